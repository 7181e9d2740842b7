# The pipeline minimum was read as each rep's; the source's floor (营销部至少应该有25~30个潜在企业顾客)
# is the sales department's. The old setting moves to every existing team
# (crm.Team.pipeline_minimum, default 25); a rep's figure becomes a ratio of their accounts.

import prospects.models
from decimal import Decimal
from django.db import migrations, models


def minimum_to_teams(apps, schema_editor):
    """Every existing team gets the minimum an admin had set (none set: the default 25)."""
    settings = apps.get_model("prospects", "ProspectSettings").objects.order_by("pk").first()
    if settings is not None:
        apps.get_model("crm", "Team").objects.update(pipeline_minimum=settings.pipeline_minimum)


def minimum_from_teams(apps, schema_editor):
    """Back: the one setting takes the minimum most teams have (ties: the larger)."""
    Team = apps.get_model("crm", "Team")
    rows = list(
        Team.objects.values("pipeline_minimum")
        .annotate(n=models.Count("id"))
        .order_by("-n", "-pipeline_minimum")[:1]
    )
    if rows:
        apps.get_model("prospects", "ProspectSettings").objects.update(
            pipeline_minimum=rows[0]["pipeline_minimum"]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0004_team_pipeline_minimum'),
        ('prospects', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(minimum_to_teams, minimum_from_teams),
        migrations.RemoveField(
            model_name='prospectsettings',
            name='pipeline_minimum',
        ),
        migrations.AddField(
            model_name='prospectsettings',
            name='industry_ratios',
            field=models.JSONField(blank=True, default=dict, help_text="Where set, an account of that industry counts with its industry's ratio.", validators=[prospects.models.validate_industry_ratios], verbose_name='ratio per industry'),
        ),
        migrations.AddField(
            model_name='prospectsettings',
            name='rep_prospect_ratio',
            field=models.DecimalField(decimal_places=3, default=Decimal('0.100'), help_text='Open prospects a rep should hold per account they own (0.1: one for every ten accounts); below it the rep is warned. 0: no share.', max_digits=4, validators=[prospects.models.validate_ratio], verbose_name="rep's prospect ratio"),
        ),
    ]
