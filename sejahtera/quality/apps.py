from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "sejahtera.quality"
    label = "quality"
    verbose_name = "Kualitas data"
    default_auto_field = "django.db.models.BigAutoField"
