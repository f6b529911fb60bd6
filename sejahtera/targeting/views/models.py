"""Pages (placeholder until filled)."""

from django.urls import URLPattern

ROUTES: list[URLPattern] = []
