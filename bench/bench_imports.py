"""Imports: 100k customer rows and 1M order lines on PostgreSQL, peak memory, xlsx parsing,
side by side with django-import-export and with a plain COPY of the same raw rows.

Every measurement runs in its own child process (`python bench/bench_imports.py --child …`)
on a fresh database <BENCH_DB_PREFIX>_imports, so peak memory is that of one import alone.
"""

import contextlib
import csv
import datetime
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import common  # noqa: E402

TITLE = "Imports (legacy customer lists and order history)"
OUT = HERE / "out" / "imports"
CUSTOMERS = 100_000
ORDERS = 1_000_000
XLSX_ROWS = 100_000
DIE_DEFAULT_SAMPLE = 2_000
DIE_BULK_SAMPLE = 10_000
CUSTOMER_HEADER = [
    "客户名称",
    "统一社会信用代码",
    "客户编号",
    "行业",
    "地址",
    "联系人",
    "手机",
    "邮箱",
    "生日",
]


def _uscc(n: int) -> str:
    from accounts.normalize import USCC_ALPHABET, uscc_check_char

    body = "91" + f"{310000 + n % 600000:06d}"
    m = n
    for _ in range(9):
        body += USCC_ALPHABET[m % 31]
        m //= 31
    return body + uscc_check_char(body)


def make_customers(path: Path, rows: int) -> None:
    """GBK CSV: ~10% rows repeat a company with another contact, ~2% rows are invalid."""
    rng = random.Random(7)
    companies = int(rows * 0.9)
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CUSTOMER_HEADER)
        for i in range(rows):
            c = i if i < companies else rng.randrange(companies)
            email = f"c{i}@example.cn"
            if rng.random() < 0.02:
                email = "not-an-email"
            w.writerow(
                [
                    f"测试{c:06d}机械有限公司",
                    _uscc(c) if c % 3 == 0 else "",
                    f"C{c:06d}",
                    rng.choice(["制造业", "电子", "物流", "软件"]),
                    f"上海市浦东新区{c % 999}号",
                    f"联系人{i}",
                    f"13{i:09d}",
                    email,
                    f"19{60 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                ]
            )


def make_orders(path: Path, rows: int, companies: int) -> None:
    rng = random.Random(11)
    start = datetime.date(2023, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户编号", "日期", "数量", "单价", "金额", "发票号", "产品"])
        for i in range(rows):
            q = rng.randint(-2, 20) or 1
            price = rng.randint(10, 5000)
            amount = "" if i % 4 == 0 else f"{q * price}.00"
            w.writerow(
                [
                    f"C{rng.randrange(companies):06d}",
                    (start + datetime.timedelta(days=i % 700)).isoformat(),
                    q,
                    price,
                    amount,
                    f"INV{i:08d}",
                    rng.choice(["传感器", "控制器", "耗材", "年度服务"]),
                ]
            )


def make_xlsx(path: Path, rows: int) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("客户")
    for c, h in enumerate(CUSTOMER_HEADER):
        sheet.write_string(0, c, h)
    for r in range(1, rows + 1):
        values = [
            f"测试{r:06d}机械有限公司",
            "",
            f"C{r:06d}",
            "制造业",
            f"上海{r}号",
            f"联系人{r}",
            13000000000 + r,
            f"c{r}@example.cn",
            20000 + r % 20000,
        ]
        for c, v in enumerate(values):
            sheet.write(r, c, v)
    workbook.close()


# ---- children (run in their own process with Django set up) -------------------------------


def _setup_django() -> None:
    import django

    django.setup()


def child_import(kind: str, path: str) -> dict:
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    with contextlib.suppress(CommandError):  # the summary says what went wrong
        call_command(f"import_{kind}", path, "--good-rows", "--json", "--mode", "skip", stdout=out)
    return json.loads(out.getvalue())


def child_copy(path: str, encoding: str) -> dict:
    """The physical limit: COPY the raw rows into an unlogged table, nothing else."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        with open(path, encoding=encoding, newline="") as fh:
            header = fh.readline()
            cols = ", ".join(f"c{i} text" for i in range(header.count(",") + 1))
            cursor.execute(f"CREATE UNLOGGED TABLE bench_raw ({cols})")
            with cursor.cursor.copy("COPY bench_raw FROM STDIN (FORMAT csv)") as copy:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        cursor.execute("DROP TABLE bench_raw")
    return {"seconds": time.perf_counter() - started}


def child_parse(path: str) -> dict:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = sum(1 for _ in CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows())
    calamine = time.perf_counter() - started
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    rows_openpyxl = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    openpyxl = time.perf_counter() - started
    return {
        "calamine": calamine,
        "openpyxl": openpyxl,
        "rows": rows,
        "rows_openpyxl": rows_openpyxl,
    }


def child_die(path: str, sample: int, bulk: bool) -> dict:
    """django-import-export on the first `sample` rows of the same GBK file (accounts only:
    it imports one model per resource)."""
    import tablib
    from import_export import fields, resources

    from accounts.models import Account
    from accounts.normalize import normalize_account_name
    from crm.models import User

    owner = User.objects.get(username="bench-admin")
    with open(path, encoding="gbk", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        data = tablib.Dataset(headers=["name", "external_code", "industry", "address"])
        for i, row in enumerate(reader):
            if i >= sample:
                break
            data.append([row[0], f"DIE{'B' if bulk else 'D'}{row[2]}", row[3], row[4]])

    class AccountResource(resources.ModelResource):
        external_code = fields.Field(attribute="external_code", column_name="external_code")

        class Meta:
            model = Account
            fields = ("name", "external_code", "industry", "address")
            import_id_fields = ("external_code",)
            if bulk:
                use_bulk = True
                batch_size = 1000
                skip_diff = True
                force_init_instance = True

        def before_save_instance(self, instance, row, **kwargs):
            instance.owner = owner
            instance.normalized_name = normalize_account_name(instance.name)
            instance.source = "legacy_list"

        def before_import_row(self, row, **kwargs):
            pass

    resource = AccountResource()
    if bulk:
        # bulk_create needs the instance ready before save: fill it at init.
        original = resource.init_instance

        def init_instance(row=None):
            instance = original(row)
            instance.owner = owner
            instance.normalized_name = normalize_account_name(row.get("name") or "")
            instance.source = "legacy_list"
            return instance

        resource.init_instance = init_instance
    started = time.perf_counter()
    result = resource.import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": sample, "errors": result.has_errors()}


CHILDREN = {
    "import": lambda a: child_import(a[0], a[1]),
    "copy": lambda a: child_copy(a[0], a[1]),
    "parse": lambda a: child_parse(a[0]),
    "die": lambda a: child_die(a[0], int(a[1]), a[2] == "bulk"),
}


def _child_with_memory(url: str, *args: str) -> tuple[dict, float]:
    env = common.django_env(url, DJANGO_SETTINGS_MODULE="crm.settings.local")
    proc = subprocess.Popen(
        [common.PYTHON, str(Path(__file__).resolve()), "--child", *args],
        cwd=common.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    chunks = []
    while chunk := proc.stdout.read(65536):
        chunks.append(chunk)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"child {args} failed with {proc.returncode}")
    out = b"".join(chunks).decode()
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def _fresh_database() -> str:
    import psycopg

    name = f"{common.DB_PREFIX}_imports"
    with psycopg.connect(common.database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = common.database_url(name)
    common.manage(url, "migrate", "--noinput")
    common.manage(
        url,
        "shell",
        "-c",
        "from crm.models import User; User.objects.create_user('bench-admin', role='admin')",
    )
    return url


def run(args) -> list[common.Row]:
    OUT.mkdir(parents=True, exist_ok=True)
    customers = OUT / "customers-100k-gbk.csv"
    orders = OUT / "orders-1m.csv"
    xlsx = OUT / "customers-100k.xlsx"
    if not customers.exists():
        print("  writing the test files (once)…", flush=True)
        make_customers(customers, CUSTOMERS)
        make_orders(orders, ORDERS, int(CUSTOMERS * 0.9))
        make_xlsx(xlsx, XLSX_ROWS)
    url = _fresh_database()
    rows: list[common.Row] = []

    copy_customers, _ = _child_with_memory(url, "copy", str(customers), "gbk")
    ours, _ = _child_with_memory(url, "import", "customers", str(customers))
    counts = ours["counts"]
    rows.append(
        common.Row(
            "100k customer rows (GBK CSV, contacts, 2% invalid, 10% repeated) vs plain COPY",
            ours["seconds"],
            copy_customers["seconds"],
            "s",
            "< 5 s",
            ours["seconds"] < 5,
            f"{counts['accounts_create']} accounts, {counts['contacts_create']} contacts, "
            f"{counts['error_rows']} rows rejected; ratio = COPY time / ours (the physical limit)",
        )
    )
    print(f"  customers: {ours['seconds']:.2f}s, COPY {copy_customers['seconds']:.2f}s", flush=True)

    copy_orders, _ = _child_with_memory(url, "copy", str(orders), "utf-8")
    ours_orders, peak = _child_with_memory(url, "import", "orders", str(orders))
    rows.append(
        common.Row(
            "1M order lines vs plain COPY",
            ours_orders["seconds"],
            copy_orders["seconds"],
            "s",
            "< 30 s",
            ours_orders["seconds"] < 30,
            f"{ours_orders['counts'].get('orders_create', 0)} lines written; "
            "ratio = COPY time / ours",
        )
    )
    rows.append(
        common.Row(
            "peak memory, 1M order lines (whole process)",
            peak,
            None,
            "MB",
            "< 300 MB",
            peak < 300,
            "ru_maxrss of the import process",
        )
    )
    print(
        f"  orders: {ours_orders['seconds']:.2f}s, COPY {copy_orders['seconds']:.2f}s, "
        f"peak {peak:.0f} MB",
        flush=True,
    )

    parse, _ = _child_with_memory(url, "parse", str(xlsx))
    rows.append(
        common.Row(
            "xlsx 100k rows parsed: python-calamine vs openpyxl read-only",
            parse["calamine"],
            parse["openpyxl"],
            "s",
            "≥ 10×",
            parse["openpyxl"] / parse["calamine"] >= 10,
        )
    )
    print(
        f"  xlsx: calamine {parse['calamine']:.2f}s, openpyxl {parse['openpyxl']:.2f}s", flush=True
    )

    per_row = ours["seconds"] / CUSTOMERS
    for mode, sample, goal in (("default", DIE_DEFAULT_SAMPLE, 20), ("bulk", DIE_BULK_SAMPLE, 3)):
        die, _ = _child_with_memory(url, "die", str(customers), str(sample), mode)
        scaled = die["seconds"] / die["rows"] * CUSTOMERS
        rows.append(
            common.Row(
                f"100k customer rows vs django-import-export ({mode})",
                ours["seconds"],
                scaled,
                "s",
                f"≥ {goal}×",
                scaled / ours["seconds"] >= goal,
                f"baseline measured on the first {sample:,} rows of the same file "
                f"({die['rows'] / die['seconds']:,.0f} rows/s, accounts only) and scaled to "
                f"100k; ours {1 / per_row:,.0f} rows/s with contacts",
            )
        )
        print(
            f"  django-import-export {mode}: {die['rows'] / die['seconds']:.0f} rows/s", flush=True
        )
    return rows


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    _setup_django()
    print(json.dumps(CHILDREN[sys.argv[2]](sys.argv[3:]), default=str))
