from django.urls import URLPattern

from .views import ROUTES

app_name = "dedup"
urlpatterns: list[URLPattern] = [*ROUTES]
