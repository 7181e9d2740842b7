"""`make bench`: run every bench/bench_*.py, print measured vs baseline, write RESULTS.md.

Each module defines `TITLE` and `run(args) -> list[common.Row]`, and may define
`add_arguments(parser)` for its own options (prefix them with the module's name). Pick modules
with `make bench BENCH_ARGS="accounts_api scoring"` (names without the bench_ prefix);
`--no-write` prints the table without touching RESULTS.md. See bench/README.md.
"""

import argparse
import datetime
import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import Row  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}"


def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | measured | baseline | unit | ratio (× better) | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = "–" if r.ok is None else ("yes" if r.ok else "**no**")
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.benchmark}{note} | {fmt(r.measured)} | {fmt(r.baseline)} | {r.unit} "
            f"| {fmt(r.ratio)} | {r.goal} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks under bench/.")
    parser.add_argument("only", nargs="*", help="module names without bench_")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    available = sorted(p.stem for p in HERE.glob("bench_*.py"))
    modules = {name: importlib.import_module(name) for name in available}
    for module in modules.values():
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    args = parser.parse_args()
    unknown = [n for n in args.only if f"bench_{n}" not in modules]
    if unknown:
        parser.error(
            f"no such benchmark: {', '.join(unknown)} "
            f"(have: {', '.join(n.removeprefix('bench_') for n in available)})"
        )
    names = available
    if args.only:
        names = [n for n in names if n.removeprefix("bench_") in args.only]
    rows: list[Row] = []
    sections = []
    for name in names:
        module = modules[name]
        print(f"== {module.TITLE}", flush=True)
        got = module.run(args)
        print(table(got), flush=True)
        rows += got
        sections.append(f"## {module.TITLE}\n\n{table(got)}\n")
    if not args.no_write and sections:
        today = datetime.date.today().isoformat()
        text = (
            "# Benchmark results\n\n"
            f"Date: {today}. Machine: {machine()}.\n"
            "Produced by `make bench`; ratio = how many times better than the baseline "
            "measured in the same run.\n\n" + "\n".join(sections)
        )
        (HERE / "RESULTS.md").write_text(text)
    failed = [r for r in rows if r.ok is False]
    return 1 if failed and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main())
