from django.urls import URLPattern

from .views import enrollment, entitlements, explain, quotas, runs, withdrawals

app_name = "programs"
# The fixed prefixes (programs/kuota/, programs/pengunduran/, …) before programs/<program>/.
urlpatterns: list[URLPattern] = [
    *quotas.ROUTES,
    *withdrawals.ROUTES,
    *enrollment.ROUTES,
    *entitlements.ROUTES,
    *runs.ROUTES,
    *explain.ROUTES,
]
