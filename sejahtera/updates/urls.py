from django.urls import URLPattern

from .views import approval, evaluation, events, proposals, qa, releases, verification

app_name = "updates"
urlpatterns: list[URLPattern] = [
    *proposals.ROUTES,
    *verification.ROUTES,
    *approval.ROUTES,
    *qa.ROUTES,
    *releases.ROUTES,
    *events.ROUTES,
    *evaluation.ROUTES,
]
