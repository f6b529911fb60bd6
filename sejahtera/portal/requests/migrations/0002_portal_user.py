"""The system account public requests are submitted under (docs/portal-requests.md).

Proposal.submitted_by is a required user: a citizen's usul or sanggah names this account. It has no
role and no jurisdiction (every permission and scope check refuses it), is inactive and has no
usable password (it cannot sign in), so it is nobody's way in; and since no officer is it, the
maker-checker rules hold for every officer who verifies or approves a public request.
"""

from django.contrib.auth.hashers import make_password
from django.db import migrations

USERNAME = "portal"


def forward(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.get_or_create(
        username=USERNAME,
        defaults={
            "first_name": "Portal publik",
            "role": "",
            "jurisdiction": None,
            "is_active": False,
            "is_staff": False,
            "is_superuser": False,
            "password": make_password(None),  # unusable
        },
    )


def backward(apps, schema_editor):
    pass  # the account is referenced by proposals; it stays


class Migration(migrations.Migration):
    dependencies = [
        ("portal_requests", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
