"""The apps are layers, and a lower layer never depends on a higher one:

    core < crm < accounts < imports, prospects, playbook < visits < commitments < opportunities
    < receivables < scoring < health
    < today, salesmap, calendars, robots, keyaccounts < config

core is infrastructure, crm the organisation (users, teams, territories, the visibility rule),
config the Django project that wires everything together. Apps on one layer (imports and
prospects) do not depend on each other either. Every production module is parsed: its imports
(inside functions too), and its strings that name a module, task or model of another app
("scoring.tasks.recompute_tiers_task", "imports.ImportBatch"), which are dependencies too.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = [
    {"core"},
    {"crm"},
    {"accounts"},
    {"imports", "prospects", "playbook"},
    {"visits"},
    {"commitments"},
    {"opportunities"},
    {"receivables"},
    {"scoring"},
    {"health"},
    {"today", "salesmap", "calendars", "robots", "keyaccounts"},
    {"config"},
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}

# (app, what it imports or names) -> why it is allowed for now. An entry that no longer
# matches anything fails the test, so the list cannot go stale: remove it with the dependency.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("accounts", "imports.ImportBatch"): (
        "accounts, contacts and orders keep the import batch that created them (a foreign key, "
        "for undo); moving it means a model change in both apps"
    ),
    ("accounts", "prospects.demo"): (
        "seed_demo runs each app's demo module (DEMO_MODULES), named, never imported"
    ),
    ("accounts", "visits.demo"): "as prospects.demo",
    ("accounts", "commitments.demo"): "as prospects.demo",
    ("accounts", "opportunities.demo"): "as prospects.demo",
    ("accounts", "receivables.demo"): "as prospects.demo",
    ("accounts", "scoring.demo"): "as prospects.demo",
    ("accounts", "health.demo"): "as prospects.demo",
    ("core", "crm.tasks.republish_pending_tasks_task"): (
        "the outbox task keeps the name it was published under before it moved to core"
    ),
}
# A string that is a dotted name: "app.module", "app.Model", "app.tasks.thing_task".
DOTTED = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in RANK else None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool) -> list[tuple[int, str]]:
    """(line, module) for every import in `source`, relative imports resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from accounts import imports` imports the module accounts.imports
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def named_modules(source: str) -> list[tuple[int, str]]:
    """(line, string) for every string constant that is a dotted name."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and DOTTED.match(node.value)
    ]


def _reaches_up(here: str | None, target: str) -> str | None:
    there = app_of(target)
    if here is None or there is None or there == here or RANK[there] < RANK[here]:
        return None
    if (here, target) in EXCEPTIONS or any(
        (here, name) in EXCEPTIONS for name in _prefixes(target)
    ):
        return None
    return there


def _prefixes(target: str) -> list[str]:
    parts = target.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def upward_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The imports of `module` that reach a higher layer, or a sibling on its own layer."""
    here = app_of(module)
    bad = []
    for line, target in imported_modules(source, module, is_package=is_package):
        if there := _reaches_up(here, target):
            bad.append(f"{module}:{line} imports {target} ({here} -> {there})")
    return bad


def upward_names(source: str, module: str) -> list[str]:
    """The strings of `module` that name a module, task or model of a higher layer."""
    here = app_of(module)
    bad = []
    for line, target in named_modules(source):
        if there := _reaches_up(here, target):
            bad.append(f"{module}:{line} names {target!r} ({here} -> {there})")
    return bad


def production_modules() -> dict[str, Path]:
    modules = {}
    for top in sorted(RANK):
        for path in (ROOT / top).rglob("*.py") if (ROOT / top).is_dir() else []:
            modules[_module_name(path)] = path
    return modules


def test_no_module_imports_a_higher_layer():
    modules = production_modules()
    bad = []
    for module, path in sorted(modules.items()):
        bad += upward_imports(
            path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
        )
    assert bad == []


def test_no_module_names_a_higher_layer_in_a_string():
    bad = []
    for module, path in sorted(production_modules().items()):
        if ".migrations." not in module:  # they repeat what the models say
            bad += upward_names(path.read_text(encoding="utf-8"), module)
    assert bad == []


def test_every_app_is_scanned_and_every_exception_is_still_needed():
    modules = production_modules()
    assert {app_of(module) for module in modules} == set(RANK)
    used = set()
    for module, path in modules.items():
        source = path.read_text(encoding="utf-8")
        is_package = path.name == "__init__.py"
        targets = imported_modules(source, module, is_package=is_package) + named_modules(source)
        used |= {(app_of(module), target) for _line, target in targets}
    assert [exception for exception in EXCEPTIONS if exception not in used] == []


def test_the_check_sees_an_upward_import_however_it_is_written():
    # given: lower-layer modules that reach up in each of the ways Python allows
    cases = {
        ("crm.services", "from accounts.selectors import accounts_visible_to\n"): "accounts",
        ("core.queue", "import scoring.tasks\n"): "scoring",
        ("accounts.views", "def f():\n    from visits import services\n"): "visits",
        ("prospects.views", "from imports import services\n"): "imports",
        ("imports.views", "from ..prospects.models import Prospect\n"): "prospects",
        ("visits.models", "from config.urls import urlpatterns\n"): "config",
    }
    for (module, source), layer in cases.items():
        # when / then
        assert any(f"-> {layer})" in line for line in upward_imports(source, module)), module
    assert upward_names('enqueue("visits.tasks.reminders_task")\n', "accounts.services") == [
        "accounts.services:1 names 'visits.tasks.reminders_task' (accounts -> visits)"
    ]
    assert upward_names('FK = "scoring.TierRun"\n', "prospects.models") == [
        "prospects.models:1 names 'scoring.TierRun' (prospects -> scoring)"
    ]
    # and imports downwards or within an app are fine
    assert (
        upward_imports("from core.queue import enqueue\nfrom .models import X\n", "visits.x") == []
    )
