from django.urls import URLPattern

from .views import deciles, models

app_name = "targeting"
urlpatterns: list[URLPattern] = [*models.ROUTES, *deciles.ROUTES]
