"""Every user-visible string has a Simplified Chinese translation, and the compiled catalogue
matches the sources. `make messages` refreshes both."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    ".run",
    "staticfiles",
    "test-artifacts",
    "__pycache__",
    "node_modules",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    "media",
)


def parse_po(text: str) -> list[dict]:
    """Entries of a .po file: msgid, plural, msgstrs, flags (enough for our checks)."""
    entries, entry, key = [], None, None

    def unquote(s: str) -> str:
        return s.strip()[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()

    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"msgid": "", "plural": None, "msgstr": {}, "flags": set(), "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            key = ("ctx", None)
        elif line.startswith("msgid_plural "):
            entry["plural"] = unquote(line[13:])
            key = ("plural", None)
        elif line.startswith("msgid "):
            entry["msgid"] = unquote(line[6:])
            key = ("msgid", None)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry["msgstr"][index] = unquote(line[line.index("]") + 2 :])
            key = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry["msgstr"][0] = unquote(line[7:])
            key = ("msgstr", 0)
        elif line.startswith('"') and key:
            if key[0] == "msgid":
                entry["msgid"] += unquote(line)
            elif key[0] == "msgstr":
                entry["msgstr"][key[1]] += unquote(line)
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


def _require_gettext():
    if shutil.which("xgettext") and shutil.which("msgfmt"):
        return
    if settings.REQUIRE_SERVICES:
        pytest.fail("GNU gettext is required (apt-get install gettext)")
    pytest.skip("GNU gettext is not installed")


def test_committed_catalogue_is_complete():
    entries = parse_po(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100
    missing = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert missing == [], f"untranslated: {missing[:20]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:20]}"


def test_every_source_string_is_in_the_catalogue(tmp_path):
    _require_gettext()
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=IGNORE)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore=tests",
            "--ignore=bench",
            "--ignore=.venv",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
        },
    )
    fresh = parse_po((copy / PO.relative_to(ROOT)).read_text(encoding="utf-8"))
    # A new string gets a fuzzy guess from a similar one: that is no translation either.
    missing = [
        e["msgid"]
        for e in fresh
        if not e["msgstr"] or not all(e["msgstr"].values()) or "fuzzy" in e["flags"]
    ]
    assert missing == [], f"run `make messages` and translate: {missing[:20]}"


def test_compiled_catalogue_matches_the_po(tmp_path):
    _require_gettext()
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(PO)], check=True)
    assert out.read_bytes() == MO.read_bytes(), "run `make messages` to recompile"


def test_chinese_is_served_to_a_user_who_chose_it(client, django_user_model, db):
    user = django_user_model.objects.create_user("zh", password="pw-Secret-123", language="zh-hans")
    client.force_login(user)
    page = client.get("/accounts/")
    assert "客户" in page.content.decode()


def test_gettext_is_called_by_a_name_makemessages_reads():
    """makemessages finds strings only in calls of `_` or the functions' own names: a string
    in `gettext_lazy as _lazy` or `gettext as gt` would never reach the catalogue (the account
    list's sort menu stayed English that way)."""
    alias = re.compile(
        r"import\s+\(?[^)]*?\b(n?p?gettext(?:_lazy|_noop)?)\s+as\s+(?!_\b)(\w+)", re.S
    )
    found = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench", "node_modules"}:
            continue
        for match in alias.finditer(path.read_text(encoding="utf-8")):
            found.append(f"{relative}: {match.group(1)} as {match.group(2)}")
    assert found == []
