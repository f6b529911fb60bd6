from django.urls import URLPattern

from .views import models

app_name = "targeting"
urlpatterns: list[URLPattern] = [*models.ROUTES]
