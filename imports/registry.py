"""Kinds of import that apps above imports add (by registration).

The pipeline (upload, mapping, dry run, commit, undo, rejected rows, the pages, the API and
the commands) is the same for every kind; customers and orders are built in. An app above
imports registers an `ImportKind` in its AppConfig.ready() (as opportunities do for deals and
targets), naming its value of `ImportBatch.Kind`, its target fields with their header
synonyms, and the steps that only it knows: checking the staged rows, writing them, undoing
them. imports never imports that app: it calls what was registered.

A kind's `check` and `write` run inside the run's transaction (engine.execute), with the
run's staging tables imp_err and imp_warn there for its row errors and warnings; its undo
steps run inside the undo's transaction (engine.undo.Undo), after the import locks and the
kind's own lock are taken.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Q

    from imports.engine.run import Run
    from imports.engine.undo import Step, Undo
    from imports.models import ImportBatch
    from imports.upload.fields import Target


def _no_problems(seen: set[str], labels: dict[str, str]) -> list[str]:
    return []


@dataclass(frozen=True)
class ImportKind:
    """What one kind of import adds to the pipeline.

    - `key`: its value of ImportBatch.Kind.
    - `targets`: the fields a column can be mapped to, with their header synonyms.
    - `validate(seen, labels)`: problems of a mapping beyond unknown and repeated targets
      (e.g. a required field not mapped), as messages.
    - `check(run)`: read the file (engine.run.stream), check every row, fill imp_err and
      imp_warn; returns (counts, preview rows). Writes nothing but staging tables.
    - `write(run)`: write what the check found good (not called in a dry run, nor when an
      all-or-nothing run found errors).
    - `undo_steps(undo)`: the undo's steps for this kind's rows (engine.undo.Step).
    - `undo_summary(batch)`: what an undo will do, as (label, number) lines.
    - `undo_blockers(batch)`: a Q over later ImportBatch rows that changed what this batch
      wrote (their undo must come first), or None.
    - `modes`: the modes (ImportBatch.Mode) a batch of this kind may use.
    - `messages`: messages of the row error and warning codes the kind adds.
    - `count_labels`, `done_count_labels`: labels of its counts before and after the run.
    - `preview_columns`: (key, label) of the preview's columns after row and action.
    - `phases`: labels of its undo phases.
    - `lock`: the advisory lock key (Staging.lock) its writes and undos take.
    """

    key: str
    targets: Sequence["Target"]
    check: Callable[["Run"], tuple[dict, list[dict]]]
    write: Callable[["Run"], None]
    undo_steps: Callable[["Undo"], list["Step"]]
    undo_summary: Callable[["ImportBatch"], list[tuple[Any, int]]]
    validate: Callable[[set[str], dict[str, str]], list[str]] = _no_problems
    undo_blockers: Callable[["ImportBatch"], "Q | None"] = lambda batch: None
    modes: tuple[str, ...] = ("create", "update", "skip")
    messages: Mapping[str, Any] = field(default_factory=dict)
    count_labels: Mapping[str, Any] = field(default_factory=dict)
    done_count_labels: Mapping[str, Any] = field(default_factory=dict)
    preview_columns: Sequence[tuple[str, Any]] = ()
    phases: Mapping[str, Any] = field(default_factory=dict)
    lock: str = ""


_kinds: dict[str, ImportKind] = {}


def import_kind_register(kind: ImportKind) -> None:
    """Add a kind of import (once per key: a second registration replaces it)."""
    _kinds[kind.key] = kind
    # The header index of a kind is built on first use; drop a stale one.
    from imports.upload import fields

    fields.forget_index(kind.key)


def import_kind(key: str) -> ImportKind | None:
    """The registered kind of this key; None for the built-in ones (and unknown keys)."""
    return _kinds.get(key)


def kind_available(kind: str) -> bool:
    """A kind of ImportBatch.Kind that this installation can run: built in, or registered
    by its app."""
    from imports.models import ImportBatch

    built_in = (ImportBatch.Kind.CUSTOMERS, ImportBatch.Kind.ORDERS)
    return kind in built_in or (kind in ImportBatch.Kind.values and kind in _kinds)


def import_kinds() -> list[ImportKind]:
    return list(_kinds.values())


def registered_message(code: str) -> Any:
    """The message of a row error or warning code that a registered kind added, or None."""
    for kind in _kinds.values():
        if code in kind.messages:
            return kind.messages[code]
    return None
