"""The documentation keeps up with the code: every `CRM_*` setting the code reads is documented
in docs/OPERATIONS.md, and every link of README.md and docs/ (and every `docs/….md#anchor` a
code comment cites) leads to an existing file and heading."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTING = re.compile(r"\bCRM_[A-Z0-9_]*[A-Z0-9]\b")
# [text](target) and ![alt](target); the target ends at the first space or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
CITATION = re.compile(r"\bdocs/([A-Z]+\.md)#([\w-]+)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def _tracked(*patterns: str, root: Path = ROOT) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *patterns],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [root / name for name in sorted(set(listed.split("\0"))) if name]


def settings_read(paths: list[Path]) -> set[str]:
    """Every `CRM_…` name that appears in these files."""
    found: set[str] = set()
    for path in paths:
        found |= set(SETTING.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped (but `-` and `_`),
    spaces turned into hyphens; letters of any script are kept."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of a Markdown text's headings (repeats get -1, -2, … as on GitHub)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    in_fence = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def _links(markdown: str) -> list[str]:
    links, in_fence = [], False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            links += LINK.findall(line)
    return links


def _resolves(path: Path, anchor: str, root: Path) -> bool:
    """Whether `path` is a file of the project and, for Markdown, has the heading `anchor`."""
    if not path.is_relative_to(root.resolve()) or not path.exists():
        return False
    if anchor and path.suffix == ".md":
        return anchor in anchors(path.read_text(encoding="utf-8"))
    return True


def broken_links(documents: list[Path], root: Path = ROOT) -> list[str]:
    """`file: target` of every relative link whose file or heading does not exist."""
    broken = []
    for document in documents:
        for target in _links(document.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target):  # https:, mailto:
                continue
            name, _hash, anchor = target.partition("#")
            path = (document.parent / name).resolve() if name else document
            if not _resolves(path, anchor, root):
                broken.append(f"{document.relative_to(root)}: {target}")
    return broken


def broken_citations(sources: list[Path], root: Path = ROOT) -> list[str]:
    """`file:line: docs/X.md#anchor` of every citation in code whose heading does not exist."""
    broken = []
    for source in sources:
        text = source.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for name, anchor in CITATION.findall(line):
                doc = root / "docs" / name
                if not doc.exists() or anchor not in anchors(doc.read_text(encoding="utf-8")):
                    broken.append(f"{source.relative_to(root)}:{number}: docs/{name}#{anchor}")
    return broken


def _documents(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def test_every_crm_setting_the_code_reads_is_documented_in_operations():
    code = _tracked("*.py", "Makefile", ".ci/run", "docker-compose.yml", "Dockerfile")
    read = settings_read(code)
    assert len(read) > 20  # the scan really reads the code
    documented = settings_read([ROOT / "docs" / "OPERATIONS.md"])
    assert sorted(read - documented) == []


def test_every_link_of_readme_and_docs_resolves():
    documents = _documents()
    assert len(documents) >= 6
    assert broken_links(documents) == []


def test_every_docs_citation_in_the_code_resolves():
    # This file's own examples cite a made-up docs/A.md.
    sources = [path for path in _tracked("*.py", "*.html", "*.js") if path != Path(__file__)]
    assert broken_citations(sources) == []


def test_the_checks_find_what_they_look_for(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "A.md").write_text(
        "# Title\n\n## ABC tiers\n\n## Input/output quadrants\n\n## Notes\n\n## Notes\n"
        "```\n## not a heading\n```\n"
        "[ok](#abc-tiers) [ok](#inputoutput-quadrants) [ok](#notes-1) [bad](#not-a-heading)\n"
        "[missing file](B.md) [ok](../README.md) [web](https://example.com/x#y)\n"
    )
    (tmp_path / "README.md").write_text("[ok](docs/A.md#abc-tiers) [bad](docs/A.md#abc)\n")
    (tmp_path / "code.py").write_text(
        "X = 1  # docs/A.md#notes\nY = 2  # docs/A.md#nothing, docs/C.md#abc-tiers\n"
        # Spelled in two halves so that the scan of the real code does not find it here.
        "Z = settings.CRM" + "_SOMETHING_1  # not CRM_\n"
    )
    documents = [tmp_path / "README.md", tmp_path / "docs" / "A.md"]

    assert broken_links(documents, root=tmp_path) == [
        "README.md: docs/A.md#abc",
        "docs/A.md: #not-a-heading",
        "docs/A.md: B.md",
    ]
    assert broken_citations([tmp_path / "code.py"], root=tmp_path) == [
        "code.py:2: docs/A.md#nothing",
        "code.py:2: docs/C.md#abc-tiers",
    ]
    assert settings_read([tmp_path / "code.py"]) == {"CRM" + "_SOMETHING_1"}
    assert slug("Benchmarks: `make bench`") == "benchmarks-make-bench"
    assert slug("Tiers, Pareto curve (scoring)") == "tiers-pareto-curve-scoring"
