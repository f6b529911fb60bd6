from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sejahtera.portal"
    label = "portal"
    verbose_name = "Portal publik"
