"""Undo of a customer import at 100k and 800k accounts (with contacts, and updated accounts
put back from their before-images), beside the previous undo (ORM deletes in the web
request), on the same data in the same run.

For each size a template database is made once per run: migrated, a first import of
existing companies (size / 10, each with a contact), then the measured import in update
mode: `size` new companies (10% of them with a second contact) and every existing company
again (a new industry, its contact's new title, one more contact). Each measurement runs in
its own child process on a fresh copy of that template (CREATE DATABASE … TEMPLATE), so its
peak resident memory (ru_maxrss) is that of one undo alone:

- ours: what the API does before answering (`import_batch_undo`: checks, blockers, queue),
  then what the worker does (`import_batch_undo_run`), timed apart; the parent polls the
  batch's `phase` and `progress` meanwhile, as the page does;
- the baseline: the undo as it was (`_old_undo` below, kept here only): the same checks,
  then `QuerySet.delete()` of the batch's orders, contacts and accounts (Django's collector,
  which loads every row) and the before-images restored in SQL; by default only at 100k
  (`--undo-baseline-sizes`): at 800k it took 463 s and 1.9 GB.

After each undo the accounts and contacts tables are compared (an md5 of every row, in id
order) with the database before the measured import: the undo must give them back exactly.

Also measured: the check every undo makes first (later imports that changed the batch's
rows), for the earlier import while the measured one is in effect, beside the previous query
(cancelled after a minute).
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import common  # noqa: E402

TITLE = "Imports: undo of a customer import"
OUT = HERE / "out" / "undo"
SIZES = (100_000, 800_000)
GOALS = {100_000: 10.0, 800_000: 90.0}  # seconds
HEADER = ["客户名称", "客户编号", "行业", "地址", "联系人", "手机", "邮箱", "职务"]


def add_arguments(parser) -> None:
    parser.add_argument(
        "--undo-sizes",
        default=",".join(str(s) for s in SIZES),
        help="accounts created by the undone import, comma-separated (default 100000,800000)",
    )
    parser.add_argument(
        "--undo-baseline-sizes",
        default="100000",
        help="sizes at which the previous undo is measured too (default 100000; it takes "
        "minutes and GBs at 800000)",
    )


# ---- files --------------------------------------------------------------------------------


def make_files(size: int) -> tuple[Path, Path]:
    """(existing companies, the import to undo) as UTF-8 CSV."""
    OUT.mkdir(parents=True, exist_ok=True)
    base, main = OUT / f"existing-{size}.csv", OUT / f"import-{size}.csv"
    if base.exists() and main.exists():
        return base, main
    existing = size // 10
    with base.open("w", encoding="utf-8") as fh:
        fh.write(",".join(HEADER) + "\n")
        for j in range(existing):
            fh.write(
                f"既有{j:07d}贸易有限公司,E{j:07d},批发,北京{j}号,老联系人{j},137{j:08d},,采购\n"
            )
    with main.open("w", encoding="utf-8") as fh:
        fh.write(",".join(HEADER) + "\n")
        for i in range(size):
            fh.write(
                f"撤销测试{i:07d}机械有限公司,U{i:07d},制造业,上海{i}号,联系人{i},"
                f"139{i:08d},u{i}@example.cn,经理\n"
            )
            if i % 10 == 0:
                fh.write(f"撤销测试{i:07d}机械有限公司,U{i:07d},,,第二联系人{i},138{i:08d},,\n")
        for j in range(existing):
            fh.write(
                f"既有{j:07d}贸易有限公司,E{j:07d},零售,,老联系人{j},137{j:08d},,总经理\n"
                f"既有{j:07d}贸易有限公司,E{j:07d},,,新联系人{j},136{j:08d},,\n"
            )
    return base, main


# ---- children (their own process, Django set up) -------------------------------------------


def _old_undo(*, actor, batch):
    """The undo before issue 14, verbatim but for its name: everything in the request."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Account, Contact, Order
    from core.audit import audit_log
    from imports.engine.staging import Staging
    from imports.models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.DONE:
            raise ValidationError("Only a finished import can be undone.")
        blockers = list(_old_blockers(batch).values_list("pk", flat=True))
        if blockers:
            raise ValidationError(f"Later imports changed these records: {blockers}")
        staging = Staging()
        staging.lock("accounts")
        staging.lock("orders")
        orders = Order.objects.filter(import_batch=batch).delete()[0]
        contacts = Contact.objects.filter(import_batch=batch).delete()[0]
        restored = _old_restore(staging, batch, "contact", Contact)
        restored += _old_restore(staging, batch, "account", Account)
        accounts = Account.objects.filter(import_batch=batch).delete()[0]
        batch.status = ImportBatch.Status.UNDONE
        batch.undone_at = timezone.now()
        batch.undone_by = actor
        batch.save(update_fields=["status", "undone_at", "undone_by"])
        audit_log(
            actor=actor,
            action="undo",
            instance=batch,
            extra={"deleted": accounts + contacts + orders, "restored": restored},
        )
    return {"deleted": accounts + contacts + orders, "restored": restored}


def _old_blockers(batch):
    from django.db.models import Q

    from accounts.models import Account, Contact
    from imports.models import ImportBatch

    created_accounts = Account.objects.filter(import_batch=batch).values("id")
    updated_accounts = batch.before_images.filter(model="account").values("object_id")
    created_contacts = Contact.objects.filter(import_batch=batch).values("id")
    updated_contacts = batch.before_images.filter(model="contact").values("object_id")
    later = ImportBatch.objects.filter(pk__gt=batch.pk, status=ImportBatch.Status.DONE)
    touching = (
        Q(before_images__model="account", before_images__object_id__in=created_accounts)
        | Q(before_images__model="account", before_images__object_id__in=updated_accounts)
        | Q(before_images__model="contact", before_images__object_id__in=created_contacts)
        | Q(before_images__model="contact", before_images__object_id__in=updated_contacts)
        | Q(contacts__account__import_batch=batch)
        | Q(orders__account__import_batch=batch)
    )
    return later.filter(touching).distinct().order_by("pk")


def _old_restore(staging, batch, model: str, model_cls) -> int:
    table = model_cls._meta.db_table
    columns = [f.column for f in model_cls._meta.concrete_fields if f.column != "id"]
    sets = ", ".join(columns)
    values = ", ".join(f"r.{c}" for c in columns)
    sql = (
        f"UPDATE {table} SET ({sets}) = ({values}) FROM imports_importbeforeimage b, "  # nosec B608
        f"jsonb_populate_record(NULL::{table}, b.data) r "
        f"WHERE b.batch_id = %s AND b.model = %s AND {table}.id = b.object_id"
    )
    return staging.execute(sql, [batch.pk, model])


def child_undo(which: str) -> dict:
    from imports import services
    from imports.models import ImportBatch

    batch = ImportBatch.objects.filter(status=ImportBatch.Status.DONE).order_by("-pk").first()
    actor = batch.created_by
    started = time.perf_counter()
    if which == "old":
        counts = _old_undo(actor=actor, batch=batch)
        return {"request": time.perf_counter() - started, "run": 0.0, **counts}
    services.import_batch_undo(actor=actor, batch=batch, dispatch=False)
    asked = time.perf_counter()
    done = services.import_batch_undo_run(batch_id=batch.pk)
    finished = time.perf_counter()
    audit = _last_undo_audit(batch.pk)
    return {
        "request": asked - started,
        "run": finished - asked,
        "status": done.status if done else None,
        "message": done.message if done else "",
        **audit,
    }


def _last_undo_audit(batch_id: int) -> dict:
    from core.models import AuditEntry

    entry = (
        AuditEntry.objects.filter(
            model="imports.ImportBatch", object_id=str(batch_id), action="undo"
        )
        .order_by("-pk")
        .first()
    )
    return dict(entry.changes.get("_extra", {})) if entry else {}


def child_blockers(which: str, timeout_s: str) -> dict:
    """The check an undo of the earlier batch makes first (later batches that changed its
    rows), with the measured import as the later batch: ours, or the previous query (joins
    of the later batch's before-images, contacts and orders), cancelled after timeout_s."""
    from django.db import OperationalError, connection

    from imports.models import ImportBatch
    from imports.selectors import import_batch_undo_blockers

    earlier = ImportBatch.objects.order_by("pk").first()
    query = _old_blockers if which == "old" else import_batch_undo_blockers
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = %s", [int(float(timeout_s) * 1000)])
    started = time.perf_counter()
    try:
        found = list(query(earlier).values_list("pk", flat=True))
    except OperationalError:
        found = None  # cancelled
    return {"seconds": time.perf_counter() - started, "found": found}


CHILDREN = {
    "undo": lambda a: child_undo(a[0]),
    "blockers": lambda a: child_blockers(a[0], a[1]),
}
BLOCKERS_TIMEOUT = 60.0


# ---- the parent ---------------------------------------------------------------------------


def _connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _admin(sql: str) -> None:
    with _connect(common.database_url("postgres")) as conn:
        conn.execute(sql)


def _drop(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}"')


def _clone(template: str, name: str) -> str:
    _drop(name)
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return common.database_url(name)


def _import(url: str, path: Path, mode: str) -> dict:
    out = common.manage(url, "import_customers", str(path), "--mode", mode, "--json")
    summary = json.loads(out.strip().splitlines()[-1])
    if summary.get("status") != "done":
        raise RuntimeError(f"import of {path.name} did not finish: {summary}")
    return summary


def _fingerprint(url: str) -> dict[str, str]:
    """md5 of every row of the tables an undo gives back, in id order."""
    out = {}
    with _connect(url) as conn:
        for table in ("accounts_account", "accounts_contact", "accounts_order"):
            row = conn.execute(
                "SELECT count(*), md5(COALESCE(string_agg(md5(t::text), '' ORDER BY t.id), '')) "  # nosec B608
                f"FROM {table} t"
            ).fetchone()
            out[table] = f"{row[0]}:{row[1]}"
    return out


def _templates(size: int) -> tuple[str, dict[str, str], dict, float]:
    """A database holding the import to undo (and the fingerprint of the one before it)."""
    base_file, main_file = make_files(size)
    name = f"{common.DB_PREFIX}_undo_{size}"
    _drop(name)
    _admin(f'CREATE DATABASE "{name}"')
    url = common.database_url(name)
    common.manage(url, "migrate", "--noinput")
    common.manage(
        url,
        "shell",
        "-c",
        "from crm.models import User; User.objects.create_user('bench-admin', role='admin')",
    )
    _import(url, base_file, "skip")
    before = _fingerprint(url)
    started = time.monotonic()
    summary = _import(url, main_file, "update")
    seconds = time.monotonic() - started
    print(f"  import of {size:,} + updates took {seconds:.0f} s", flush=True)
    with _connect(url) as conn:
        conn.execute("VACUUM ANALYZE")
    return name, before, summary["counts"], seconds


def _batch_row(url: str) -> tuple | None:
    try:
        with _connect(url) as conn:
            return conn.execute(
                "SELECT status, phase, progress FROM imports_importbatch ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except Exception:
        return None


def _measure(template: str, which: str) -> tuple[dict, float, list, str]:
    """Run one undo in a child on a fresh copy: (result, peak RSS in MB, progress seen,
    fingerprint url)."""
    url = _clone(template, f"{template}_run")
    env = common.django_env(url, DJANGO_SETTINGS_MODULE="config.settings.local")
    proc = subprocess.Popen(
        [common.PYTHON, str(Path(__file__).resolve()), "--child", "undo", which],
        cwd=common.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    seen: list[tuple] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            row = _batch_row(url)
            if row and (not seen or seen[-1] != row):
                seen.append(row)
            stop.wait(0.25)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    poller.join()
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"undo child ({which}) failed")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return result, usage.ru_maxrss / 1024, seen, url


def _progress_note(seen: list[tuple]) -> str:
    undoing = [r for r in seen if r[0] == "undoing"]
    if not undoing:
        return "no progress seen while it ran"
    values = [r[2] for r in undoing]
    phases = list(dict.fromkeys(r[1] for r in undoing))
    return (
        f"progress seen by polling every 0.25 s: {len(undoing)} readings, "
        f"{min(values)}→{max(values)}%, phases {', '.join(phases)}"
    )


def _child(url: str, *args: str) -> dict:
    env = common.django_env(url, DJANGO_SETTINGS_MODULE="config.settings.local")
    out = subprocess.run(
        [common.PYTHON, str(Path(__file__).resolve()), "--child", *args],
        cwd=common.ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _blockers_rows(template: str, size: int, *, old: bool) -> list[common.Row]:
    """Asking to undo the earlier import while the measured one (which updated its rows)
    is in effect: refused, and how long finding that takes (the check every undo makes)."""
    url = common.database_url(template)
    ours = _child(url, "blockers", "ours", str(BLOCKERS_TIMEOUT))
    assert ours["found"] and len(ours["found"]) == 1, ours
    previous = _child(url, "blockers", "old", str(BLOCKERS_TIMEOUT)) if old else None
    note = f"the earlier batch's undo refused because of the {size:,}-company import"
    if previous is None:
        note += "; the previous query not run at this size"
    elif previous["found"] is None:
        note += f"; the previous query was cancelled after {BLOCKERS_TIMEOUT:.0f} s (at least)"
    return [
        common.Row(
            f"blockers check of an undo, a later import of {size:,} companies in effect",
            ours["seconds"],
            previous["seconds"] if previous else None,
            "s",
            "< 1 s",
            ours["seconds"] < 1,
            note,
        )
    ]


IMPORTS_TABLE_SECONDS = 3.63  # bench/RESULTS.md, imports: 100k customer rows, a quiet machine


def _yardstick() -> common.Row:
    """The imports benchmark's 100k customer import, measured here: how fast this machine
    is in this run next to the one of the imports table (the undo's figures follow the
    database's speed as the import's do)."""
    import bench_imports

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "yardstick-customers-100k-gbk.csv"
    if not path.exists():
        bench_imports.make_customers(path, 100_000)
    name = f"{common.DB_PREFIX}_undo_yardstick"
    _drop(name)
    _admin(f'CREATE DATABASE "{name}"')
    url = common.database_url(name)
    common.manage(url, "migrate", "--noinput")
    common.manage(
        url,
        "shell",
        "-c",
        "from crm.models import User; User.objects.create_user('bench-admin', role='admin')",
    )
    out = common.manage(url, "import_customers", str(path), "--good-rows", "--json")
    seconds = json.loads(out.strip().splitlines()[-1])["seconds"]
    _drop(name)
    load = os.getloadavg()
    return common.Row(
        "yardstick: the imports benchmark's 100k customer rows, imported in this run",
        seconds,
        IMPORTS_TABLE_SECONDS,
        "s",
        "–",
        None,
        f"baseline: the same import in the imports table (a quiet machine); ratio < 1: this "
        f"machine is that many times as fast now; load average {load[0]:.1f} / {load[1]:.1f}",
    )


def run(args) -> list[common.Row]:
    sizes = [int(s) for s in args.undo_sizes.split(",") if s]
    baseline_sizes = {int(s) for s in args.undo_baseline_sizes.split(",") if s}
    rows: list[common.Row] = [_yardstick()]
    print(f"  yardstick import: {rows[0].measured:.2f} s", flush=True)
    for size in sizes:
        print(f"  {size:,}: seeding…", flush=True)
        template, before, counts, import_seconds = _templates(size)
        rows += _blockers_rows(template, size, old=size in baseline_sizes)
        load = os.getloadavg()
        ours, peak, seen, url = _measure(template, "ours")
        exact = _fingerprint(url) == before
        _drop(f"{template}_run")
        if ours.get("status") != "undone":
            raise RuntimeError(f"our undo did not finish: {ours}")
        seconds = ours["request"] + ours["run"]
        print(
            f"  ours: request {ours['request']:.2f} s, worker {ours['run']:.2f} s, "
            f"peak {peak:.0f} MB, exact {exact}",
            flush=True,
        )
        old = old_peak = None
        old_exact = None
        if size in baseline_sizes:
            old_result, old_peak, _seen, url = _measure(template, "old")
            old = old_result["request"]
            old_exact = _fingerprint(url) == before
            _drop(f"{template}_run")
            print(f"  previous undo: {old:.1f} s, peak {old_peak:.0f} MB", flush=True)
        what = (
            f"{counts['accounts_create']:,} accounts and {counts['contacts_create']:,} contacts "
            f"created, {counts['accounts_update']:,} accounts and "
            f"{counts['contacts_update']:,} contacts updated"
        )
        note = (
            f"{what}; request (checks, blockers, queue) {ours['request']:.2f} s + worker "
            f"{ours['run']:.2f} s; deleted {ours.get('deleted', 0):,} rows, restored "
            f"{ours.get('restored', 0):,}; tables identical to before the import: "
            f"{'yes' if exact else 'NO'}"
            + (f" (previous undo: {'yes' if old_exact else 'NO'})" if old_exact is not None else "")
            + f"; {_progress_note(seen)}; the import of these rows took {import_seconds:.0f} s "
            f"in this run; load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores"
            + ("" if old is not None else "; previous undo not run at this size")
        )
        goal = GOALS.get(size)
        rows.append(
            common.Row(
                f"undo of {size:,} imported accounts with contacts vs the previous undo",
                seconds,
                old,
                "s",
                f"< {goal:g} s" if goal else "–",
                (seconds < goal and exact) if goal else exact,
                note,
            )
        )
        rows.append(
            common.Row(
                f"peak memory of the process undoing {size:,} accounts",
                peak,
                old_peak,
                "MB",
                "flat (same at every size)",
                None,
                "ru_maxrss of the child process (ours: the request and the worker's run)",
            )
        )
        _drop(template)
    if len(sizes) > 1:
        peaks = [r.measured for r in rows if r.unit == "MB"]
        rows.append(
            common.Row(
                f"peak memory growth from {sizes[0]:,} to {sizes[-1]:,} accounts",
                max(peaks) - min(peaks),
                None,
                "MB",
                "< 20 MB",
                max(peaks) - min(peaks) < 20,
                "difference of the peak resident memory of the undo process",
            )
        )
    return rows


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    import django

    django.setup()
    print(json.dumps(CHILDREN[sys.argv[2]](sys.argv[3:]), default=str))
