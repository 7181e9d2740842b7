"""Touches get `updated_at` (the calendar feed's DTSTAMP and SEQUENCE of a touch). The column
is added with the database default now() (no table rewrite), then existing rows take their
creation time: a touch never edited has been unchanged since it was created."""

from django.db import migrations, models
from django.db.models.functions import Now


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0005_account_last_visit_backfill"),
    ]

    operations = [
        migrations.AddField(
            model_name="touch",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_default=Now(), verbose_name="updated at"),
        ),
        migrations.RunSQL(
            "UPDATE visits_touch SET updated_at = created_at WHERE updated_at <> created_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
