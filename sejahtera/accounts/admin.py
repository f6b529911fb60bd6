from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class SejahteraUserAdmin(UserAdmin):
    """Superusers manage accounts here; registry data has no admin pages (its changes are audited
    services)."""

    list_display = ("username", "first_name", "role", "jurisdiction", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name")
    raw_id_fields = ("jurisdiction",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Peran dan wilayah", {"fields": ("role", "jurisdiction")}),
    )
