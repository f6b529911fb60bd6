from django.apps import AppConfig


class PortalRequestsConfig(AppConfig):
    name = "sejahtera.portal.requests"
    label = "portal_requests"
    verbose_name = "Usul, sanggah dan pengaduan publik"
