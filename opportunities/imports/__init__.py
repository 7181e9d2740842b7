"""Deals and targets through the import pipeline: the two kinds opportunities registers with
imports (imports.registry) in OpportunitiesConfig.ready(). See docs/IMPORTS.md."""

from django.utils.translation import gettext_lazy as _

from imports.registry import ImportKind, import_kind_register
from opportunities.imports import deals, quotas, undo
from opportunities.imports.fields import (
    DEAL_TARGETS,
    MESSAGES,
    TARGET_TARGETS,
    validate_deals,
    validate_targets,
)

DEAL_COUNTS = {
    "opportunities_create": _("deals to create"),
    "opportunities_update": _("deals to update"),
    "opportunities_skip": _("deals skipped (already there)"),
}
DEAL_DONE_COUNTS = {
    "opportunities_create": _("deals created"),
    "opportunities_update": _("deals updated"),
    "opportunities_skip": _("deals skipped (they were already there)"),
}
TARGET_COUNTS = {
    "targets_create": _("targets to set"),
    "targets_update": _("targets to update"),
    "targets_skip": _("targets skipped (already set)"),
}
TARGET_DONE_COUNTS = {
    "targets_create": _("targets set"),
    "targets_update": _("targets updated"),
    "targets_skip": _("targets skipped (they were already set)"),
}


def register() -> None:
    import_kind_register(
        ImportKind(
            key="opportunities",
            targets=DEAL_TARGETS,
            check=deals.check,
            write=deals.write,
            validate=validate_deals,
            undo_steps=undo.deal_steps,
            undo_summary=undo.deal_summary,
            undo_blockers=undo.deal_blockers,
            messages=MESSAGES,
            count_labels=DEAL_COUNTS,
            done_count_labels=DEAL_DONE_COUNTS,
            preview_columns=(
                ("account", _("Account")),
                ("name", _("Opportunity name")),
                ("amount", _("Amount")),
                ("close_date", _("Expected close date")),
                ("stage", _("Stage")),
                ("owner", _("Owner")),
            ),
            phases=undo.PHASES,
            lock=deals.LOCK,
        )
    )
    import_kind_register(
        ImportKind(
            key="targets",
            targets=TARGET_TARGETS,
            check=quotas.check,
            write=quotas.write,
            validate=validate_targets,
            undo_steps=undo.target_steps,
            undo_summary=undo.target_summary,
            undo_blockers=undo.target_blockers,
            messages=MESSAGES,
            count_labels=TARGET_COUNTS,
            done_count_labels=TARGET_DONE_COUNTS,
            preview_columns=(
                ("who", _("Rep or team")),
                ("period", _("Period")),
                ("measure", _("Measure")),
                ("value", _("Target value")),
            ),
            phases=undo.PHASES,
            lock=quotas.LOCK,
        )
    )
