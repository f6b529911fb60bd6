from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("cek/", views.check, name="check"),
    path("wilayah/", views.region_options, name="region_options"),
]
