from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "sejahtera.quality.dedup"
    label = "dedup"
    verbose_name = "Deteksi data ganda"
