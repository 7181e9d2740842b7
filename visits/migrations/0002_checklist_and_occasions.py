"""Seed the 17 items of the pre-visit checklist and the built-in occasions (visits.defaults)."""

from django.db import migrations

from visits.defaults import CHECKLIST, OCCASIONS, seed_defaults


def seed(apps, schema_editor):
    seed_defaults(apps.get_model("visits", "ChecklistItem"), apps.get_model("visits", "Occasion"))


def unseed(apps, schema_editor):
    apps.get_model("visits", "ChecklistItem").objects.filter(
        position__lte=len(CHECKLIST)
    ).delete()
    apps.get_model("visits", "Occasion").objects.filter(
        code__in=[o["code"] for o in OCCASIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
