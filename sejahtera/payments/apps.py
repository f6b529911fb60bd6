from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "sejahtera.payments"
    label = "payments"
    verbose_name = "Penyaluran bantuan"
