from django.db import migrations


def create_lock_row(apps, schema_editor):
    apps.get_model("scoring", "RecomputeLock").objects.get_or_create(name="tiers")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(create_lock_row, migrations.RunPython.noop)]
