from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("sejahtera.api.urls")),
    path("", include("sejahtera.accounts.urls")),
    path("", include("sejahtera.common.urls")),
    path("", include("sejahtera.regions.urls")),
    path("", include("sejahtera.registry.urls")),
    path("", include("sejahtera.updates.urls")),
    path("", include("sejahtera.targeting.urls")),
    path("", include("sejahtera.programs.urls")),
    path("", include("sejahtera.payments.urls")),
    path("", include("sejahtera.quality.urls")),  # kualitas/: findings, padan, dashboard (issue 6)
    path("", include("sejahtera.quality.dedup.urls")),  # kualitas/ganda/: duplicates (issue 6 §3)
    path("publik/captcha/", include("sejahtera.portal.captcha_urls")),  # the check's captcha image
    path("publik/", include("sejahtera.portal.urls")),
    # portal.requests: public usul, sanggah, complaints under publik/; the complaint desk at pengaduan/
    path("", include("sejahtera.portal.requests.urls")),
]

# The Django admin (superusers managing accounts) is off unless switched on: its login page has no
# rate limit of ours, and `sejahtera users` covers account administration.
if settings.ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))
