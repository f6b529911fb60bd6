from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "sejahtera.common"
    label = "common"
    verbose_name = "Common"
