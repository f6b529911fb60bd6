from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "sejahtera.programs"
    label = "programs"
    verbose_name = "Program bantuan sosial"
