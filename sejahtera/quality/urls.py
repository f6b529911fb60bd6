from django.urls import URLPattern

from . import views

app_name = "quality"
urlpatterns: list[URLPattern] = views.ROUTES
