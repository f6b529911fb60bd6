from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sejahtera.api"
    label = "api"
    verbose_name = "API"
