"""/api/v1/: the JSON API (api.py), its OpenAPI schema (openapi.json) and its docs page (docs)."""

from django.urls import URLPattern, URLResolver, path

from .api import api

app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = [path("v1/", api.urls)]
