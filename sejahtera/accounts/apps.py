from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sejahtera.accounts"
    label = "accounts"
    verbose_name = "Pengguna"
