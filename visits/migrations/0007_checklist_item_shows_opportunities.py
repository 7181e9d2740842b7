from django.db import migrations, models

CHANCES = "All likely big-order chances listed"


def show_open_deals(apps, schema_editor):
    """The built-in "chances listed" item shows the account's open deals (an item an admin has
    since given another meaning keeps it)."""
    item = apps.get_model("visits", "ChecklistItem")
    item.objects.filter(text_en=CHANCES, shows="").update(shows="opportunities")


def show_nothing(apps, schema_editor):
    item = apps.get_model("visits", "ChecklistItem")
    item.objects.filter(shows="opportunities").update(shows="")


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0006_touch_updated_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checklistitem",
            name="shows",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Nothing"),
                    ("decision_maker", "The decision makers"),
                    ("interests", "The contacts' interests"),
                    ("opportunities", "The account's open deals"),
                ],
                default="",
                max_length=20,
                verbose_name="shows beside it",
            ),
        ),
        migrations.RunPython(show_open_deals, show_nothing),
    ]
