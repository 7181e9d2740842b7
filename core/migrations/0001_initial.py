# PendingTask and AuditEntry, moved from crm (crm.0003_move_outbox_and_audit_to_core). Only
# Django's state changes: the existing tables keep their names (db_table) and their rows. On a
# new database crm.0001_initial has created them already.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ['pendingtask', 'auditentry']


def content_types_to(source: str, target: str):
    """Move the content types (and so the permissions granted on them) of the moved models
    from one app label to the other, unless the target's exist already."""

    def move(apps, schema_editor):
        ContentType = apps.get_model('contenttypes', 'ContentType')
        db = schema_editor.connection.alias
        for model in MOVED:
            if not ContentType.objects.using(db).filter(app_label=target, model=model).exists():
                ContentType.objects.using(db).filter(app_label=source, model=model).update(
                    app_label=target
                )

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('crm', '0003_move_outbox_and_audit_to_core'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PendingTask',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('task_name', models.CharField(max_length=200)),
                        ('args', models.JSONField(default=list)),
                        ('kwargs', models.JSONField(default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'crm_pendingtask',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=40)),
                        ('model', models.CharField(max_length=60)),
                        ('object_id', models.CharField(blank=True, max_length=40)),
                        ('object_repr', models.CharField(blank=True, max_length=200)),
                        ('account_id', models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ('changes', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'crm_auditentry',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['model', 'object_id'], name='audit_model_object')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to('crm', 'core'), content_types_to('core', 'crm')),
    ]
