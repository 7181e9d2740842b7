"""Seed the built-in stages and loss reasons (opportunities.defaults)."""

from django.db import migrations

from opportunities.defaults import LOSS_REASONS, STAGES, seed_defaults


def seed(apps, schema_editor):
    seed_defaults(
        apps.get_model("opportunities", "Stage"), apps.get_model("opportunities", "LossReason")
    )


def unseed(apps, schema_editor):
    apps.get_model("opportunities", "Stage").objects.filter(
        code__in=[row[0] for row in STAGES]
    ).delete()
    apps.get_model("opportunities", "LossReason").objects.filter(
        code__in=[row[0] for row in LOSS_REASONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
