"""Data: replace each opted-out number by its hash and masked hint (issue 9)."""

import hashlib

from django.db import migrations


def _digest(phone: str) -> str:
    # Frozen copy of surveys.models.phone_digest: a migration must not follow later code changes.
    return hashlib.sha256(f"opt-out:{phone.strip()}".encode()).hexdigest()


def _mask(phone: str) -> str:
    if not phone:
        return ""
    keep_head = 3 if phone.startswith("+") else 0
    return phone[:keep_head] + "*" * max(len(phone) - keep_head - 4, 0) + phone[-4:]


def hash_phones(apps, schema_editor):
    OptOut = apps.get_model("surveys", "OptOut")
    for opt_out in OptOut.objects.all().only("pk", "phone"):
        OptOut.objects.filter(pk=opt_out.pk).update(phone_hash=_digest(opt_out.phone), phone_hint=_mask(opt_out.phone))


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0011_add_opt_out_phone_hash'),
    ]

    # Irreversible by design: the numbers are gone once hashed.
    operations = [migrations.RunPython(hash_phones, migrations.RunPython.noop)]
