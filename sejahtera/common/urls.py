from django.urls import path

from . import views

app_name = "common"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/ekspor.csv", views.audit_export, name="audit_export"),
]
