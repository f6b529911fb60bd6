from django.urls import URLPattern

from .views import batches, reports, statuses

app_name = "payments"
urlpatterns: list[URLPattern] = [*reports.ROUTES, *batches.ROUTES, *statuses.ROUTES]
