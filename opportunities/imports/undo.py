"""Undo of a deals or targets import: the deals (with their history and contacts) or targets it
created are deleted, and those it updated are put back from their before-images; for an
updated deal, the "changed" history row the import wrote goes too. Set-based, in the undo's
transaction (imports.engine.undo)."""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from imports.engine.undo import PHASE_RESTORE, Step, Undo, cost
from imports.models import ImportBatch, ImportBeforeImage
from opportunities.models import Opportunity, OpportunityChange, Target

PHASE_DEALS = "undo_opportunities"
PHASE_HISTORY = "undo_opportunity_history"
PHASE_TARGETS = "undo_targets"
PHASES = {
    PHASE_DEALS: _("Deleting the deals it created"),
    PHASE_HISTORY: _("Deleting the history rows it wrote"),
    PHASE_TARGETS: _("Deleting the targets it created"),
}
DEAL_IMAGE = ImportBeforeImage.Model.OPPORTUNITY.value
TARGET_IMAGE = ImportBeforeImage.Model.TARGET.value


def deal_steps(undo: Undo) -> list[Step]:
    batch_id = undo.batch.pk
    images = ImportBeforeImage._meta.db_table
    history = undo.number(
        "undo_opp_hist",
        images,
        "batch_id = %s AND model = %s AND data ? 'import_change_id'",
        [batch_id, DEAL_IMAGE],
        column="(data->>'import_change_id')::bigint",
    )
    restored = undo.number(
        f"undo_img_{DEAL_IMAGE}",
        images,
        "batch_id = %s AND model = %s",
        [batch_id, DEAL_IMAGE],
        column="object_id",
    )
    created = undo.number(
        "undo_opp", Opportunity._meta.db_table, "import_batch_id = %s", [batch_id]
    )
    return [
        Step(PHASE_HISTORY, history, 2, _delete_numbered(undo, OpportunityChange, "undo_opp_hist")),
        Step(PHASE_RESTORE, restored, 5, undo.restorer(Opportunity, DEAL_IMAGE)),
        Step(PHASE_DEALS, created, cost(Opportunity), undo.deleter(Opportunity, "undo_opp")),
    ]


def _delete_numbered(undo: Undo, model, numbered: str):
    """Delete the rows of `model` whose ids a numbered table holds (rows nothing points at)."""
    table = model._meta.db_table

    def work(first: int, last: int) -> None:
        undo.result.deleted[table] += undo.staging.execute(
            f"DELETE FROM {table} WHERE id IN "  # nosec B608
            f"(SELECT id FROM {numbered} WHERE n BETWEEN %s AND %s)",
            [first, last],
        )

    return work


def target_steps(undo: Undo) -> list[Step]:
    batch_id = undo.batch.pk
    restored = undo.number(
        f"undo_img_{TARGET_IMAGE}",
        ImportBeforeImage._meta.db_table,
        "batch_id = %s AND model = %s",
        [batch_id, TARGET_IMAGE],
        column="object_id",
    )
    created = undo.number("undo_tgt", Target._meta.db_table, "import_batch_id = %s", [batch_id])
    return [
        Step(PHASE_RESTORE, restored, 5, undo.restorer(Target, TARGET_IMAGE)),
        Step(PHASE_TARGETS, created, cost(Target), undo.deleter(Target, "undo_tgt")),
    ]


def deal_summary(batch: ImportBatch) -> list[tuple[Any, int]]:
    return [
        (
            _("Deals created by it, to delete"),
            Opportunity.objects.filter(import_batch=batch).count(),
        ),
        (
            _("Deals it updated, to put back as they were"),
            batch.before_images.filter(model=DEAL_IMAGE).count(),
        ),
    ]


def target_summary(batch: ImportBatch) -> list[tuple[Any, int]]:
    return [
        (_("Targets created by it, to delete"), Target.objects.filter(import_batch=batch).count()),
        (
            _("Targets it updated, to put back as they were"),
            batch.before_images.filter(model=TARGET_IMAGE).count(),
        ),
    ]


def _blockers(batch: ImportBatch, model, image: str) -> Q:
    """Later batches that updated rows this batch created or updated."""
    later = ImportBeforeImage.objects.filter(batch=OuterRef("pk"), model=image)
    created = model.objects.filter(import_batch=batch).values("id")
    updated = batch.before_images.filter(model=image).values("object_id")
    return Q(Exists(later.filter(object_id__in=created))) | Q(
        Exists(later.filter(object_id__in=updated))
    )


def deal_blockers(batch: ImportBatch) -> Q:
    return _blockers(batch, Opportunity, DEAL_IMAGE)


def target_blockers(batch: ImportBatch) -> Q:
    return _blockers(batch, Target, TARGET_IMAGE)
