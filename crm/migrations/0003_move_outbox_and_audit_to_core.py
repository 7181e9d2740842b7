# PendingTask and AuditEntry move to the core app. Only Django's state changes: the tables
# (crm_pendingtask, crm_auditentry) and their rows stay where they are; core.0001_initial
# takes them over under the same names.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0002_user_session_generation'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='PendingTask'),
                migrations.DeleteModel(name='AuditEntry'),
            ],
            database_operations=[],
        ),
    ]
