"""Benchmark of the exporters, and of the tests an exported package ships.

    python bench/export.py [--quick] [--strict] [--runs N]

1. Export time: every format (python, asyncapi, mermaid, markdown, svg) of
   the 2,000-sticky board of `bench/model.py` (6 contexts, 25 aggregates,
   900 events, 400 commands...), from its derived model, median of N runs.
   Target: the Python package under 1 s.
2. The sample workshop's package: exported, then its own tests run with
   `python -m pytest` in a subprocess, timed from start to end (the
   interpreter's start and pytest's collection included), median of 3.
   Target: under 10 s.

`--quick` uses the 200-sticky board and one run of the package's tests;
`--strict` exits 1 when a target is missed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "whiteboard.settings")

import django  # noqa: E402

django.setup()  # the sample workshop is told through the board's deciders

from model import FULL, build_board  # noqa: E402

from modeling.checks import run_checks  # noqa: E402
from modeling.derive import derive  # noqa: E402
from modeling.exporters import FORMATS  # noqa: E402
from modeling.exporters.base import Source  # noqa: E402
from modeling.exporters.writer import write_folder  # noqa: E402
from tests.modeling.exporters.sources import sample_source  # noqa: E402

EXPORT_TARGET_S = 1.0
TESTS_TARGET_S = 10.0


def big_source(quick):
    import random

    counts = {k: max(1, v // 10) for k, v in FULL.items()} if quick else FULL
    snapshot = build_board(counts, random.Random(7)).snapshot("review")
    model = derive(snapshot, board_id="bench", name="Bench board", seq=1)
    return Source(
        model=model,
        findings=tuple(run_checks(model, "review")),
        board_id="bench",
        board_name="Bench board",
        seq=1,
        snapshot=snapshot,
    ), len(snapshot["stickies"])


def median_s(function, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    source, stickies = big_source(args.quick)
    model = source.model
    print(
        f"board: {stickies} stickies -> {len(model.contexts)} contexts,"
        f" {len(model.aggregates)} aggregates, {len(model.events)} events,"
        f" {len(model.commands)} commands, {len(model.policies)} policies,"
        f" {len(model.read_models)} read models"
    )
    missed = 0
    for format, export in FORMATS.items():
        if export is None:
            continue  # json reads the database: not an exporter of the model
        files = export(source)
        size = sum(len(c.encode() if isinstance(c, str) else c) for c in files.values())
        seconds = median_s(lambda export=export: export(source), args.runs)
        line = (
            f"  export {format:<9} {seconds * 1000:8.1f} ms  {len(files):5} files"
            f" {size / 1024:9.0f} KiB"
        )
        if format == "python":
            ok = seconds < EXPORT_TARGET_S
            missed += not ok
            line += f"   target < {EXPORT_TARGET_S:.0f} s: {'PASS' if ok else 'MISS'}"
        print(line)

    with tempfile.TemporaryDirectory() as folder:
        files = FORMATS["python"](sample_source())
        write_folder(files, folder)
        runs = 1 if args.quick else 3
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                cwd=folder,
                capture_output=True,
                text=True,
                env={
                    k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"
                },
            )
            times.append(time.perf_counter() - started)
            if result.returncode:
                print(result.stdout + result.stderr)
                raise SystemExit("the sample package's tests failed")
        summary = result.stdout.strip().splitlines()[-1]
        seconds = statistics.median(times)
        ok = seconds < TESTS_TARGET_S
        missed += not ok
        print(
            f"  sample package: python -m pytest {seconds:.2f} s ({summary})"
            f"   target < {TESTS_TARGET_S:.0f} s: {'PASS' if ok else 'MISS'}"
        )
    if args.strict and missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
