from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite twins of the SQL functions that migrations create on PostgreSQL."""
    if connection.vendor == "sqlite":
        from .imports.sql import ppks_mask_py

        connection.connection.create_function("sj_ppks_mask", 1, ppks_mask_py, deterministic=True)


class RegistryConfig(AppConfig):
    name = "sejahtera.registry"
    label = "registry"
    verbose_name = "Registri (DTKS/DTSEN)"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions, dispatch_uid="sejahtera_sqlite_functions")
