from django.urls import URLPattern

from .views import batches

app_name = "payments"
urlpatterns: list[URLPattern] = [*batches.ROUTES]
