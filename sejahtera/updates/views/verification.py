"""Pages: verification."""

from __future__ import annotations

from django.urls import URLPattern

ROUTES: list[URLPattern] = []
