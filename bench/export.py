"""Times `rapport export` on the nudge benchmark's workspace, as a JSON document and as JSON Lines.

    python -m bench.export [--members 1000 --contacts 200000 --ties 1000000 --interactions 5000000
                            --seed 7 --backend sqlite|postgresql|both] [--sqlite-file PATH] [--keep]

The target (issue 13): 1,000,000 ties and 5,000,000 interactions exported in under 2 minutes with
under 300 MB of memory, on SQLite and on PostgreSQL.

Per database (SQLite in a temporary file; PostgreSQL in a fresh schema of `TEST_DATABASE_URL`, dropped
at the end; `both` runs SQLite, then PostgreSQL when that variable is set): the workspace is generated
by `bench.generate.relationships` (the nudge benchmark's, same sizes and seed) in a child process,
migrated as the app starts, then `rapport export --output FILE` and `rapport export --jsonl --output
FILE` run as the admin runs them, each a process of its own: its wall time, its CPU time and its peak
resident set size (`ru_maxrss` of that process alone, from `wait4`) are reported, with the size of the
file and the load average around it. On PostgreSQL the server's own work is outside that CPU time.

`--sqlite-file PATH` generates the SQLite database into PATH once and exports a copy of it on each
later run (as `bench.nudges` does: the same file serves both). `--keep` leaves the database and the
exported files in place. Progress goes to stderr; stdout gets one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from time import perf_counter
from typing import Any

from bench.common import backends_to_run, in_child, say, scratch_database
from bench.generate.loading import generate_workspace, sqlite_from_file, start_as_the_app
from bench.generate.relationships import NOW, NudgeSizes, NudgeWorkspace, add_nudge_arguments, nudge_sizes

TARGET_EXPORT_S = 120.0
TARGET_PEAK_RSS_MB = 300.0
#: The two spellings timed, by name: the extra arguments of `rapport export`.
FORMATS = {"json": (), "jsonl": ("--jsonl",)}


def time_export(url: str, output: Path, extra: Sequence[str]) -> dict[str, Any]:
    """`rapport export --output OUTPUT` on the database of `url`, in a process of its own, measured."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    env.update(DATABASE_URL=url, LOG_FORMAT="text")
    command = [sys.executable, "-m", "bot.cli", "export", "--output", str(output), *extra]
    load_before = os.getloadavg()[0]
    started = perf_counter()
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall_s = perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"rapport export failed ({process.returncode}): {errors[-2000:]}")
    return {
        "export_s": round(wall_s, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "file_mb": round(output.stat().st_size / 2**20, 1),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def run_backend(backend: str, sizes: NudgeSizes, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or copy) the workspace, then export it in each format; the database goes at the end."""
    with scratch_database(backend, "export", keep=args.keep) as url:
        started = perf_counter()
        recipe = NudgeWorkspace(sizes, args.seed)
        if backend == "sqlite" and args.sqlite_file:
            loaded = sqlite_from_file(args.sqlite_file, url, recipe)
        else:
            say(f"{backend}: generating {sizes}")
            loaded = in_child(generate_workspace, url, recipe)
        in_child(start_as_the_app, url)
        result: dict[str, Any] = {"generate_s": round(perf_counter() - started, 1), "rows": loaded["rows"]}
        folder = Path(tempfile.mkdtemp(prefix="rapport-bench-export-"))
        for name, extra in FORMATS.items():
            say(f"{backend}: exporting as {name}")
            output = folder / f"export.{name}"
            result[name] = time_export(url, output, extra)
            say(f"{backend}: {name} in {result[name]['export_s']} s, peak {result[name]['peak_rss_mb']} MB")
            if not args.keep:
                output.unlink()
        if args.keep:
            result["kept"] = {"url": url, "files": str(folder)}
        else:
            folder.rmdir()
        return result


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=(__doc__ or "").splitlines()[0])
    add_nudge_arguments(parser, "export")
    parser.add_argument("--keep", action="store_true", help="keep the database and the exported files")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    sizes = nudge_sizes(args)
    results = {backend: run_backend(backend, sizes, args) for backend in backends_to_run(args.backend)}
    met = {
        backend: {
            name: result[name]["export_s"] <= TARGET_EXPORT_S and result[name]["peak_rss_mb"] <= TARGET_PEAK_RSS_MB
            for name in FORMATS
        }
        for backend, result in results.items()
    }
    targets = {"export_s": TARGET_EXPORT_S, "peak_rss_mb": TARGET_PEAK_RSS_MB}
    summary = {"sizes": asdict(sizes), "seed": args.seed, "now": NOW.isoformat(), **results}
    print(json.dumps({**summary, "targets": targets, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
