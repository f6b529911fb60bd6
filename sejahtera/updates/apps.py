from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "sejahtera.updates"
    label = "updates"
    verbose_name = "Pemutakhiran DTKS"
