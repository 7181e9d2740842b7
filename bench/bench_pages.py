"""Our HTML pages beside DjangoCRM's (issue 23): the same companies and contacts in both apps,
both under gunicorn with 2 workers and production-like settings, measured in the same run,
interleaved (ours, then theirs, page by page), with the load average at each run.

DjangoCRM (`django-crm-admin` on the package index, pinned to DJANGOCRM_VERSION) is installed on
demand in its own virtual environment under the cache directory (BENCH_CACHE_DIR, default
~/.cache/crm-bench), with the Python it needs (3.12: `python3.12` on PATH or pyenv's
versions/3.12.*); it is never a dependency of the project. Its database,
`<prefix>_djangocrm_<accounts>`, is made by its own `setupdata` (migrate and its fixtures),
then our seed_demo database's users, companies and contacts are written into its tables with
COPY (same ids, names and owners); the database is kept for the next run.

Pages (50 rows a page on both sides; DjangoCRM's company list is set to 50 in
bench/djangocrm/bench_urls.py, its default being 100):

| page | ours | DjangoCRM |
|---|---|---|
| list | /accounts/ | /en/123/crm/company/ (its CRM site's company list) |
| search | /accounts/?q=宏达电子 | /en/123/crm/company/?q=宏达电子 |
| card | /accounts/<id>/ | /en/123/crm/company/<id>/change/ |

Both signed in as a superuser (every account visible). Per page: SQL queries of one request
(Django's test client in each app's own process, bench/djangocrm/pages_probe.py), the HTML's
size, p50/p95 with one connection and req/s + p95 with 8 connections (wrk).
"""

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import common

TITLE = "Pages: our HTML pages beside DjangoCRM's on the same data (gunicorn, 2 workers)"
HERE = Path(__file__).resolve().parent
DJANGOCRM_DIR = HERE / "djangocrm"
# Pinned: the version whose tables the loader below writes. Its requirements pin mysqlclient
# (left out: it needs MySQL's headers and PostgreSQL is used) and forget Pillow.
DJANGOCRM_VERSION = "3.1.0"
DJANGOCRM_EXTRA = ["psycopg[binary]==3.3.9", "gunicorn==23.0.0", "Pillow==13.0.0"]
DJANGOCRM_PYTHON = (3, 12)
DJANGOCRM_USER = "IamSUPER"  # made by its setupdata: a superuser
OUR_USER = "admin"  # seed_demo's superuser
USER_ID_OFFSET = 1000  # our user n is DjangoCRM's user 1000 + n (its setupdata made 1–3)
SEARCH = "宏达电子"
WORKERS = 2
SECRET = "bench-only-" + "x" * 50
# Goals of issue 23: req/s at 8 connections, times DjangoCRM's; HTML weight (gzip off).
RATIO_GOALS = {"list": 50, "search": 50, "card": 20}
WEIGHT_GOALS_KB = {"list": 40, "search": 40, "card": 30}


class Unavailable(RuntimeError):
    """DjangoCRM cannot be installed here (no Python 3.12, no package index)."""


def add_arguments(parser) -> None:
    group = parser.add_argument_group("pages")
    group.add_argument("--pages-accounts", type=int, default=100_000, help="companies in both apps")
    group.add_argument("--pages-seconds", type=float, default=15, help="seconds of each wrk run")
    group.add_argument(
        "--pages-connections", type=int, default=8, help="connections of the loaded runs"
    )
    group.add_argument(
        "--pages-rounds", type=int, default=2, help="interleaved rounds (medians reported)"
    )
    group.add_argument(
        "--pages-djangocrm-python",
        default=os.environ.get("BENCH_DJANGOCRM_PYTHON"),
        help="a Python 3.12 for DjangoCRM (default: python3.12 on PATH, else pyenv's)",
    )


# --- DjangoCRM: its Python, its virtual environment, its database ---------------------------


def cache_dir() -> Path:
    if os.environ.get("BENCH_CACHE_DIR"):
        return Path(os.environ["BENCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crm-bench"


def _python_version(python: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return int(out[0]), int(out[1])


def find_python(explicit: str | None) -> Path:
    """A Python 3.12: `explicit`, else python3.12 on PATH, else pyenv's newest 3.12.x."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    else:
        if shutil.which("python3.12"):
            candidates.append(Path(shutil.which("python3.12")))
        roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
        pyenv = shutil.which("pyenv")
        if pyenv:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                roots.insert(
                    0,
                    subprocess.run(
                        [pyenv, "root"], capture_output=True, text=True, check=True
                    ).stdout.strip(),
                )
        for root in filter(None, roots):
            found = sorted(
                Path(root, "versions").glob("3.12.*"),
                key=lambda p: [int(x) if x.isdigit() else 0 for x in p.name.split(".")],
                reverse=True,
            )
            candidates += [p / "bin" / "python" for p in found]
    for python in candidates:
        if _python_version(python) == DJANGOCRM_PYTHON:
            return python
    tried = ", ".join(map(str, candidates)) or "no python3.12 on PATH, no pyenv 3.12.*"
    raise Unavailable(
        f"DjangoCRM {DJANGOCRM_VERSION} runs on Django 6, which needs Python 3.12: none found "
        f"({tried}). Install one (`pyenv install 3.12`) or name it with "
        "--pages-djangocrm-python."
    )


def _run(command: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise Unavailable(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result


def djangocrm_venv(python: Path) -> Path:
    """DjangoCRM's virtual environment under the cache directory, installed once."""
    venv = cache_dir() / f"djangocrm-{DJANGOCRM_VERSION}"
    done = venv / "bench-installed.txt"
    if done.exists():
        return venv
    print(f"  installing DjangoCRM {DJANGOCRM_VERSION} into {venv} (once)…", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([str(python), "-m", "venv", str(venv)], "python -m venv")
    vpython = str(venv / "bin" / "python")
    pip = [vpython, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--retries", "2"]
    hint = " (is the package index reachable? pip's proxy settings apply)"
    _run(
        [*pip, "--no-deps", f"django-crm-admin=={DJANGOCRM_VERSION}"],
        f"pip install django-crm-admin=={DJANGOCRM_VERSION}{hint}",
        timeout=900,
    )
    listed = _run(
        [
            vpython,
            "-c",
            "import importlib.metadata as m; print('\\n'.join(m.requires('django-crm-admin')))",
        ],
        "reading django-crm-admin's requirements",
    ).stdout.split("\n")
    requirements = [
        r.strip()
        for r in listed
        if r.strip() and "extra ==" not in r and not r.lower().startswith("mysqlclient")
    ]
    _run(
        [*pip, *requirements, *DJANGOCRM_EXTRA],
        f"pip install of DjangoCRM's requirements{hint}",
        timeout=1800,
    )
    frozen = _run([vpython, "-m", "pip", "freeze"], "pip freeze").stdout
    done.write_text(frozen)
    return venv


def djangocrm_env(db_url: str) -> dict[str, str]:
    """DjangoCRM's environment: its settings (bench/djangocrm/bench_settings.py), its
    database, none of our variables and not our source tree (our `crm` would shadow its)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CRM_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="bench_settings",
        DJANGO_SECRET_KEY=SECRET,
        PYTHONPATH=str(DJANGOCRM_DIR),
    )
    return env


def _copy(src, dst, select: str, table: str, columns: str) -> None:
    with (
        src.cursor().copy(f"COPY ({select}) TO STDOUT") as out,
        dst.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as into,
    ):
        for block in out:
            into.write(block)


def load_djangocrm(ours_url: str, theirs_url: str) -> None:
    """Our users, accounts and contacts into DjangoCRM's tables (after its setupdata): same
    ids and names, owners mapped to users of the same names, every company and contact in its
    "Global sales" department."""
    import psycopg

    with psycopg.connect(ours_url) as src, psycopg.connect(theirs_url) as dst:
        department = dst.execute(
            "SELECT id FROM auth_group WHERE name = 'Global sales'"
        ).fetchone()[0]
        groups = [
            r[0]
            for r in dst.execute(
                "SELECT id FROM auth_group WHERE name IN ('managers', 'co-workers', 'Global sales')"
            )
        ]
        _copy(
            src,
            dst,
            f"SELECT id + {USER_ID_OFFSET}, '!', is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined FROM crm_user",
            "auth_user",
            "id, password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined",
        )
        dst.execute(
            "INSERT INTO auth_user_groups (user_id, group_id)"
            " SELECT u.id, g FROM auth_user u, unnest(%s::int[]) g WHERE u.id > %s",
            [groups, USER_ID_OFFSET],
        )
        dst.execute(
            "INSERT INTO common_userprofile (user_id, pbx_number, utc_timezone,"
            " activate_timezone, messages, language_code, crm_email_notifications)"
            " SELECT id, '', '', false, '[]', 'en', false FROM auth_user WHERE id > %s",
            [USER_ID_OFFSET],
        )
        _copy(
            src,
            dst,
            "SELECT id, created_at, updated_at, name, '', left(website, 200), true,"
            " left(phone, 100), '', address, '', coalesce(uscc, ''), notes, 'a' || id,"
            f" {department}, owner_id + {USER_ID_OFFSET}, false, true, '', ''"
            " FROM accounts_account",
            "crm_company",
            "id, creation_date, update_date, full_name, alternative_names, website, active,"
            " phone, city_name, address, email, registration_number, description, token,"
            " department_id, owner_id, disqualified, massmail, district, region",
        )
        _copy(
            src,
            dst,
            "SELECT c.id, c.created_at, c.updated_at, left(c.name, 100), '', '', c.title, 'M',"
            " left(c.email, 200), '', left(c.phone, 100), '', '', '', '', '', 'c' || c.id,"
            f" c.account_id, {department}, a.owner_id + {USER_ID_OFFSET}, false, true, '', ''"
            " FROM accounts_contact c JOIN accounts_account a ON a.id = c.account_id",
            "crm_contact",
            "id, creation_date, update_date, first_name, middle_name, last_name, title, sex,"
            " email, secondary_email, phone, other_phone, mobile, city_name, address,"
            " description, token, company_id, department_id, owner_id, disqualified, massmail,"
            " district, region",
        )
        for table in ("auth_user", "crm_company", "crm_contact"):
            dst.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
    with psycopg.connect(theirs_url, autocommit=True) as dst:
        dst.execute("VACUUM ANALYZE")


def djangocrm_database(venv: Path, ours_url: str, accounts: int) -> str:
    """DjangoCRM's database holding our `accounts` companies and their contacts (kept)."""
    import psycopg

    name = f"{common.DB_PREFIX}_djangocrm_{accounts}"
    url = common.database_url(name)
    with psycopg.connect(ours_url) as src:
        want = src.execute(
            "SELECT (SELECT count(*) FROM accounts_account),"
            " (SELECT count(*) FROM accounts_contact)"
        ).fetchone()
    with psycopg.connect(common.database_url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        with psycopg.connect(url) as conn:
            have = conn.execute(
                "SELECT (SELECT count(*) FROM crm_company), (SELECT count(*) FROM crm_contact)"
            ).fetchone()
        if have == want:
            return url
    print(
        f"  loading {want[0]:,} companies and {want[1]:,} contacts into {name} (once)…", flush=True
    )
    with psycopg.connect(common.database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    _run(
        [str(venv / "bin" / "python"), "-m", "django", "setupdata"],
        "DjangoCRM's setupdata (migrate and its fixtures)",
        cwd=venv,
        env=djangocrm_env(url),
        timeout=1800,
    )
    load_djangocrm(ours_url, url)
    return url


# --- measuring ------------------------------------------------------------------------------


def probe(python: str, cwd: Path, env: dict[str, str], username: str, pages: dict) -> dict:
    result = subprocess.run(
        [
            python,
            str(DJANGOCRM_DIR / "pages_probe.py"),
            json.dumps({"username": username, "pages": pages}),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("PROBE_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(
            f"the pages probe failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
        )
    got = json.loads(line.removeprefix("PROBE_JSON "))
    for name, page in got["pages"].items():
        if page["status"] != 200:
            raise RuntimeError(f"{pages[name]} answered {page['status']} in the probe")
    return got


def search_matches(ours_url: str, theirs_url: str) -> tuple[int, int]:
    """Rows each app's search finds: ours by the account's name (and exact codes), DjangoCRM
    by `icontains` over nine of the company's fields (its CompanyAdmin.search_fields)."""
    import psycopg

    like = f"%{SEARCH}%"
    with psycopg.connect(ours_url) as conn:
        ours = conn.execute(
            "SELECT count(*) FROM accounts_account WHERE name ILIKE %s", [like]
        ).fetchone()[0]
    fields = (
        "full_name",
        "website",
        "phone",
        "city_name",
        "address",
        "email",
        "description",
        "registration_number",
        "alternative_names",
    )
    with psycopg.connect(theirs_url) as conn:
        theirs = conn.execute(
            "SELECT count(*) FROM crm_company WHERE "
            + " OR ".join(f"UPPER({f}::text) LIKE UPPER(%s)" for f in fields),
            [like] * len(fields),
        ).fetchone()[0]
    return ours, theirs


def sequential(url: str, cookie: str, seconds: float, min_requests: int = 10):
    """One connection: requests one after the other for `seconds` and at least
    `min_requests` (wrk's fixed duration would count two or three of DjangoCRM's)."""
    times: list[float] = []
    errors = 0
    started = time.monotonic()
    while len(times) < min_requests or time.monotonic() - started < seconds:
        request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                response.read()
                # A redirect (to the sign-in page) is an error too.
                errors += response.status != 200 or response.url != url
        except OSError:
            errors += 1
        times.append((time.perf_counter() - began) * 1000)
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return common.LoadResult(
        requests=len(times),
        seconds=elapsed,
        rps=len(times) / elapsed,
        p50_ms=statistics.median(times),
        p90_ms=cuts[89],
        p95_ms=cuts[94],
        p99_ms=cuts[98],
        mean_ms=statistics.fmean(times),
        max_ms=max(times),
        errors=errors,
    )


def loadavg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run(args) -> list:
    accounts = args.pages_accounts
    try:
        python = find_python(args.pages_djangocrm_python)
        venv = djangocrm_venv(python)
    except Unavailable as e:
        print(f"  DjangoCRM is not available, the pages benchmark is skipped: {e}", flush=True)
        return [
            common.Row(
                f"pages: skipped, DjangoCRM not installed ({str(e).splitlines()[0]})",
                0,
                None,
                "–",
                "–",
                None,
            )
        ]
    ours_url = common.seeded_database(accounts)
    theirs_url = djangocrm_database(venv, ours_url, accounts)

    import psycopg

    with psycopg.connect(ours_url) as conn:
        # The fullest card: most contacts, then most order lines.
        card_id, card_contacts, card_orders = conn.execute(
            "WITH c AS (SELECT account_id, count(*) AS n FROM accounts_contact"
            " GROUP BY account_id), top AS (SELECT account_id, n FROM c"
            " WHERE n = (SELECT max(n) FROM c))"
            " SELECT top.account_id, top.n, (SELECT count(*) FROM accounts_order o"
            " WHERE o.account_id = top.account_id) AS orders FROM top"
            " ORDER BY orders DESC, top.account_id LIMIT 1"
        ).fetchone()
        n_contacts = conn.execute("SELECT count(*) FROM accounts_contact").fetchone()[0]
    ours_pages = {
        "list": "/accounts/",
        "search": f"/accounts/?q={quote(SEARCH)}",
        "card": f"/accounts/{card_id}/",
    }
    theirs_pages = {
        "list": "/en/123/crm/company/",
        "search": f"/en/123/crm/company/?q={quote(SEARCH)}",
        "card": f"/en/123/crm/company/{card_id}/change/",
    }
    # Our production shape: the cache in Redis (BENCH_REDIS_URL, emptied first) when it answers.
    redis_url = common.bench_redis()
    ours_env = common.django_env(
        ours_url,
        **({"REDIS_URL": redis_url} if redis_url else {}),
        DJANGO_SETTINGS_MODULE="bench.load_settings",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(common.ROOT),
    )
    theirs_env = djangocrm_env(theirs_url)
    vpython = str(venv / "bin" / "python")
    print(
        "  counting queries and page weight (Django's test client, each app's process)…", flush=True
    )
    ours_probe = probe(common.PYTHON, common.ROOT, ours_env, OUR_USER, ours_pages)
    theirs_probe = probe(vpython, venv, theirs_env, DJANGOCRM_USER, theirs_pages)
    matches = search_matches(ours_url, theirs_url)

    seconds, connections = args.pages_seconds, args.pages_connections
    runs: dict = {}  # (page, app, connections) -> [LoadResult, …]
    loads: dict = {}  # (page, app, connections) -> ["1.2/…", …]
    with (
        common.gunicorn(
            ours_url, workers=WORKERS, python=common.PYTHON, cwd=common.ROOT, env=ours_env
        ) as ours,
        common.gunicorn(
            theirs_url,
            workers=WORKERS,
            app="webcrm.wsgi:application",
            python=vpython,
            cwd=venv,
            env=theirs_env,
            startup_path="/favicon.ico",
        ) as theirs,
    ):
        apps = {
            "ours": (ours.url, ours_pages, ours_probe["cookie"], ours.url + "/login/"),
            "DjangoCRM": (
                theirs.url,
                theirs_pages,
                theirs_probe["cookie"],
                theirs.url + "/favicon.ico",
            ),
        }
        for base, pages, cookie, idle in apps.values():
            for path in pages.values():  # warm-up: both workers, every page
                common.wrk(
                    base + path, connections=2, seconds=2, headers={"Cookie": cookie}, timeout_s=60
                )
            common.wait_idle(idle, quick_ms=100)
        for round_no in range(1, args.pages_rounds + 1):
            for page in ours_pages:
                for conns in (1, connections):
                    for app, (base, pages, cookie, idle) in apps.items():
                        common.wait_idle(idle, quick_ms=100)
                        key = (page, app, conns)
                        loads.setdefault(key, []).append(loadavg())
                        if conns == 1:
                            got = sequential(base + pages[page], cookie, seconds)
                        else:
                            # Long enough for every connection to finish a few requests at
                            # the speed one connection saw (DjangoCRM's pages take seconds).
                            one = runs[(page, app, 1)][-1].p50_ms / 1000
                            got = common.wrk(
                                base + pages[page],
                                connections=conns,
                                seconds=min(180, max(seconds, 4 * conns * one / WORKERS)),
                                headers={"Cookie": cookie},
                                timeout_s=120,
                            )
                        runs.setdefault(key, []).append(got)
                        print(
                            f"  round {round_no}, {page}, {conns} conn, {app}: "
                            f"{got.summary()} (load {loads[key][-1]})",
                            flush=True,
                        )

    cache = "its cache in Redis" if redis_url else "no Redis: a memory cache per worker"
    weight = {
        page: (ours_probe["pages"][page]["bytes"], theirs_probe["pages"][page]["bytes"])
        for page in ours_pages
    }
    print(
        "  Differences between the two apps in this run:\n"
        f"  - data: ours {accounts:,} accounts and {n_contacts:,} contacts (seed_demo, with "
        "orders, visits, plans…); DjangoCRM the same companies and contacts (same ids, names "
        "and owners), nothing else; both signed in as a superuser; 50 rows a page\n"
        f"  - serving: gunicorn, {WORKERS} workers each; ours production settings "
        f"(bench/load_settings.py: DEBUG off, whitenoise, {cache}); DjangoCRM "
        f"{DJANGOCRM_VERSION} on Django 6 with its settings, DEBUG off, PostgreSQL with "
        "persistent connections (bench/djangocrm/bench_settings.py)\n"
        f"  - search {SEARCH}: ours the account's name (normalized) and exact codes, "
        f"{matches[0]:,} matches; DjangoCRM `icontains` over 9 company fields "
        f"(name, website, phone, city, address, email, description, registration number, "
        f"other names), {matches[1]:,} matches\n"
        f"  - card: account {card_id} ({card_contacts} contacts, {card_orders} order lines): "
        "ours with orders, visits, tiers and plan; DjangoCRM its change form with the contacts "
        "inline (it keeps no orders)\n"
        "  - page weight (HTML, gzip off): "
        + "; ".join(
            f"{p} ours {o / 1024:.1f} KB, DjangoCRM {t / 1024:.1f} KB"
            for p, (o, t) in weight.items()
        ),
        flush=True,
    )
    return rows(
        ours_probe,
        theirs_probe,
        runs,
        loads,
        connections,
        matches,
        (card_id, card_contacts, card_orders),
        accounts,
    )


def _median(values: list[float]) -> float:
    return statistics.median(values)


def rows(ours_probe, theirs_probe, runs, loads, connections, matches, card, accounts) -> list:
    size = f"{accounts // 1000}k accounts" if accounts >= 1000 else f"{accounts} accounts"
    labels = {
        "list": "account list, 50 rows",
        "search": f"search {SEARCH}",
        "card": f"account card (id {card[0]}: {card[1]} contacts, {card[2]} order lines)",
    }
    scope = {
        "list": "",
        "search": f"; scope: ours the name and exact codes ({matches[0]:,} matches), DjangoCRM "
        f"icontains over 9 fields ({matches[1]:,} matches)",
        "card": "; ours with orders, visits, tiers; DjangoCRM its change form, contacts inline",
    }
    out = []
    for page, label in labels.items():
        ours_p, theirs_p = ours_probe["pages"][page], theirs_probe["pages"][page]
        name = f"pages {label}, {size}"
        out.append(
            common.Row(
                f"{name}: SQL queries per request",
                ours_p["queries"],
                theirs_p["queries"],
                "queries",
                "–",
                None,
                "baseline: DjangoCRM" + scope[page],
            )
        )
        kb_ours, kb_theirs = ours_p["bytes"] / 1024, theirs_p["bytes"] / 1024
        goal_kb = WEIGHT_GOALS_KB[page]
        out.append(
            common.Row(
                f"{name}: HTML weight (gzip off)",
                round(kb_ours, 1),
                round(kb_theirs, 1),
                "KB",
                f"≤ {goal_kb} KB",
                kb_ours <= goal_kb,
                "baseline: DjangoCRM",
            )
        )
        for conns in (1, connections):
            ours_r, theirs_r = runs[(page, "ours", conns)], runs[(page, "DjangoCRM", conns)]
            load_note = "load average (1/5/15 min) at each run, ours vs DjangoCRM: " + "; ".join(
                f"{a} vs {b}"
                for a, b in zip(
                    loads[(page, "ours", conns)], loads[(page, "DjangoCRM", conns)], strict=True
                )
            )
            errors = sum(r.errors for r in ours_r + theirs_r)
            err_note = f"; {errors} errors" if errors else ""
            rounds = len(ours_r)
            if conns == 1:
                for pct in ("p50", "p95"):
                    m = _median([getattr(r, f"{pct}_ms") for r in ours_r])
                    b = _median([getattr(r, f"{pct}_ms") for r in theirs_r])
                    out.append(
                        common.Row(
                            f"{name}: {pct} at 1 connection",
                            m,
                            b,
                            "ms",
                            "–",
                            None,
                            f"baseline: DjangoCRM; median of {rounds} interleaved runs; "
                            + load_note
                            + err_note,
                        )
                    )
            else:
                m = _median([r.rps for r in ours_r])
                b = _median([r.rps for r in theirs_r])
                ratios = [o.rps / t.rps for o, t in zip(ours_r, theirs_r, strict=True) if t.rps]
                goal = RATIO_GOALS[page]
                out.append(
                    common.Row(
                        f"{name}: req/s at {conns} connections",
                        m,
                        b,
                        "req/s",
                        f"≥ {goal}×",
                        (m / b >= goal) if b else None,
                        f"baseline: DjangoCRM; median of {rounds} interleaved runs, ratio per run "
                        + ", ".join(f"{x:.1f}×" for x in ratios)
                        + "; "
                        + load_note
                        + err_note,
                    )
                )
                m = _median([r.p95_ms for r in ours_r])
                b = _median([r.p95_ms for r in theirs_r])
                out.append(
                    common.Row(
                        f"{name}: p95 at {conns} connections",
                        m,
                        b,
                        "ms",
                        "–",
                        None,
                        f"baseline: DjangoCRM; median of {rounds} interleaved runs" + err_note,
                    )
                )
    return out


if __name__ == "__main__":
    sys.exit("run it through bench/run.py: make bench BENCH_ARGS='pages --no-write'")
