from django.urls import URLPattern

from .views import explain, runs

app_name = "programs"
urlpatterns: list[URLPattern] = [*runs.ROUTES, *explain.ROUTES]
