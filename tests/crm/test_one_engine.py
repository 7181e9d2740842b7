"""One database engine everywhere: no file of the project (code, settings, build files,
templates, docs other than README.md) mentions the other engine or branches on the
connection's vendor. README.md may say that the other engine is not supported."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Spelled in two halves so that this file does not match itself.
FORBIDDEN = re.compile("sql" + "ite|connection" + r"\.vendor", re.IGNORECASE)
NOT_SCANNED = {"README.md"}
BINARY_SUFFIXES = {".mo", ".png", ".ico", ".jpg", ".gif", ".woff", ".woff2", ".xlsx", ".zip"}


def _project_files() -> list[str]:
    """Tracked files and new ones not ignored, as git lists them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def _hits(names, root: Path = ROOT) -> list[str]:
    """`file:line: text` of every line of `names` (paths under `root`) that matches."""
    hits = []
    for name in names:
        path = root / name
        if name in NOT_SCANNED or path.suffix in BINARY_SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                hits.append(f"{name}:{number}: {line.strip()}")
    return hits


def test_no_project_file_mentions_another_engine_or_branches_on_the_vendor():
    names = _project_files()
    assert len(names) > 200  # the listing really is the project
    assert _hits(names) == []


def test_the_check_finds_what_it_looks_for(tmp_path):
    (tmp_path / "offender.py").write_text(
        "x = 1\nif connection." + "VENDOR == 'x':\n    ENGINE = 'django.db.backends.SQL" + "ite3'\n"
    )
    (tmp_path / "README.md").write_text("SQL" + "ite is not supported.\n")
    (tmp_path / "clean.py").write_text("vendor = 'chartjs'  # static/vendor/\n")
    hits = _hits(["offender.py", "README.md", "clean.py"], root=tmp_path)
    assert [hit.split(":")[:2] for hit in hits] == [["offender.py", "2"], ["offender.py", "3"]]
