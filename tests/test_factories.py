"""Every model of the project has a factory in tests/factories.py, and each factory's defaults
make a row the database and the model's own rules accept."""

from pathlib import Path

import factory
import pytest
from django.apps import apps
from django.db import models

from tests import factories

ROOT = Path(__file__).resolve().parents[1]
FACTORIES = {
    cls._meta.model: cls
    for cls in vars(factories).values()
    if isinstance(cls, type)
    and issubclass(cls, factory.django.DjangoModelFactory)
    and not cls._meta.abstract
}


def test_every_model_of_the_project_has_a_factory():
    # Ours: the apps whose code is in this repository (not an installed package).
    ours = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT) and "site-packages" not in config.path
    }
    assert {"crm", "accounts", "imports", "prospects", "scoring", "visits"} <= ours
    models = {m for m in apps.get_models() if m._meta.app_label in ours}
    assert sorted(m._meta.label for m in models - set(FACTORIES)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", FACTORIES.values(), ids=lambda f: f.__name__)
def test_the_defaults_make_a_valid_row(factory_class):
    obj = factory_class()
    obj.refresh_from_db()
    # An empty JSON default ([] or {}) counts as blank to full_clean; the models mean it.
    json_fields = [f.name for f in obj._meta.fields if isinstance(f, models.JSONField)]
    obj.full_clean(exclude=json_fields, validate_unique=False)
    assert type(obj)._default_manager.filter(pk=obj.pk).count() == 1


@pytest.mark.django_db
def test_two_rows_of_each_factory_do_not_collide():
    for factory_class in FACTORIES.values():
        first, second = factory_class(), factory_class()
        if factory_class._meta.django_get_or_create or factory_class in (
            factories.ProspectSettingsFactory,
            factories.ScoringSettingsFactory,
            factories.VisitSettingsFactory,
            factories.OpportunitySettingsFactory,
            factories.AccountSettingsFactory,
            factories.HealthSettingsFactory,
        ):
            continue  # the same row on purpose (by name, or the one settings row)
        assert first.pk != second.pk, factory_class.__name__


@pytest.mark.django_db
def test_the_settings_factory_changes_the_one_row_and_another_pk_is_refused():
    from django.db import IntegrityError, transaction

    from scoring.models import ScoringSettings

    factories.ScoringSettingsFactory(window_days=90)
    factories.ScoringSettingsFactory(window_days=180)
    assert list(ScoringSettings.objects.values_list("pk", "window_days")) == [(1, 180)]
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ScoringSettingsFactory(pk=2)
    assert ScoringSettings.objects.count() == 1
