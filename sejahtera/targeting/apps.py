from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "sejahtera.targeting"
    label = "targeting"
    verbose_name = "Penargetan (parameter kemiskinan)"
