from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm

from sejahtera.common.errors import DomainError

from .models import User
from .services import check_role_jurisdiction


class RoleJurisdictionForm(UserChangeForm):
    """The same rule as `sejahtera users create`: the jurisdiction's level must fit the role."""

    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role:
            try:
                check_role_jurisdiction(role, data.get("jurisdiction"))
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(User)
class SejahteraUserAdmin(UserAdmin):
    """Superusers manage accounts here when SEJAHTERA_ADMIN is on; registry data has no admin
    pages (its changes are audited services)."""

    form = RoleJurisdictionForm
    list_display = ("username", "first_name", "role", "jurisdiction", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name")
    raw_id_fields = ("jurisdiction",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Peran dan wilayah", {"fields": ("role", "jurisdiction")}),
    )
