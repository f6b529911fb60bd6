from django.urls import URLPattern

from .views import public, staff

app_name = "portal_requests"
urlpatterns: list[URLPattern] = [*public.ROUTES, *staff.ROUTES]
