"""Seed the built-in talk tracks and intelligence outline (playbook.defaults)."""

from django.db import migrations

from playbook.defaults import QUESTIONS, TALK_TRACKS, seed_defaults


def seed(apps, schema_editor):
    seed_defaults(
        apps.get_model("playbook", "TalkTrack"), apps.get_model("playbook", "IntelligenceQuestion")
    )


def unseed(apps, schema_editor):
    apps.get_model("playbook", "TalkTrack").objects.filter(
        code__in=[row[0] for row in TALK_TRACKS]
    ).delete()
    apps.get_model("playbook", "IntelligenceQuestion").objects.filter(
        code__in=[row[0] for row in QUESTIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("playbook", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
