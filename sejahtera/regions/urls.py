from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("wilayah/anak/", views.children, name="children"),
]
