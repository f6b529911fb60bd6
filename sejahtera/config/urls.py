from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("sejahtera.api.urls")),
    path("", include("sejahtera.accounts.urls")),
    path("", include("sejahtera.common.urls")),
    path("", include("sejahtera.regions.urls")),
    path("", include("sejahtera.registry.urls")),
]
