from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("keluarga/", views.household_list, name="household_list"),
    path("keluarga/ekspor/", views.household_export, name="household_export"),
    path("keluarga/<int:household_id>/", views.household_detail, name="household_detail"),
    path("penduduk/<int:person_id>/", views.person_detail, name="person_detail"),
    path("impor/", views.import_list, name="import_list"),
    path("impor/<int:job_id>/", views.import_detail, name="import_detail"),
    path("impor/<int:job_id>/status/", views.import_status, name="import_status"),
    path("impor/<int:job_id>/galat.csv", views.import_errors, name="import_errors"),
]
