"""Target 2d (``--big`` only): what the second core gives a 200,000-point sweep.

Target 2b times 2 worker processes against 1 on the 10,000-point sweep; but one worker
already runs the kernel on every core (numba threads), and a 10,000-point run (~1.5 s)
is mostly serial fixed costs (imports, weather, physics, worker start), so 2b compares
two ways of using both cores on a run too short to use them. This benchmark asks what the
issue means, whether a second core makes a sweep faster: the same command restricted to
one core against the command on all of them.

The sweep is ``benchmarks/sweeps/potential-10000.toml`` with ``samples = 200000`` (8
million scenario-years, the vectorised path, 80 chunks of 2,500 points). Each run is
``python -m energysim sweep S.toml -o OUT --no-cache --no-plots -q`` in a fresh
subprocess with cold profile and weather caches, in this order:

1. ``--workers 1`` restricted to one core: the child's CPU affinity set to the first
   core this process may use (``os.sched_setaffinity``) and ``NUMBA_NUM_THREADS=1``;
2. ``--workers 1`` on all cores (the kernel on numba threads, one per core);
3. the default (no ``--workers``: up to one worker process per CPU, fewer when a worker
   would get fewer than 50,000 points);
4. ``--workers 2`` (two worker processes, the cores shared out between them).

Figures: the wall time of each run and its ratio to the one-core run (target: the default
command >= 1.6x faster), the phases from each run's ``summary.json``, and whether the four
``points.parquet`` are equal (``DataFrame.equals``): the numbers must not depend on the
cores. Linux only (CPU affinity); elsewhere the benchmark says it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import REPO, fmt_s, fmt_x, in_child, sweep_file

FULL = {"samples": 200_000}
QUICK = {"samples": 2_000}
TARGET_X = 1.6
NAME = "bench-cores"
#: (label, extra command-line options, restricted to one core); the judged run is DEFAULT.
RUNS = (
    ("1 core, --workers 1", ["--workers", "1"], True),
    ("all cores, --workers 1", ["--workers", "1"], False),
    ("all cores, default workers", [], False),
    ("all cores, --workers 2", ["--workers", "2"], False),
)
DEFAULT = 2


def _one_core(cpu):
    def restrict():  # runs in the child between fork and exec
        os.sched_setaffinity(0, {cpu})
    return restrict


def measure_cores(samples):
    """Run the sweep on one core and on all; compare the points. [dict]

    Runs in a fresh process (:func:`~benchmarks._common.in_child`) that starts the
    commands before importing numpy or pandas, so no thread of its own exists when a
    child is forked.
    """
    if not hasattr(os, "sched_setaffinity"):
        return {"skipped": "needs os.sched_setaffinity"}
    allowed = sorted(os.sched_getaffinity(0))
    folder = Path(tempfile.mkdtemp(prefix="energysim-bench-cores-"))
    try:
        path = sweep_file(samples, folder, NAME)
        runs = []
        for i, (label, options, one_core) in enumerate(RUNS):
            out = folder / f"out-{i}"
            cmd = [sys.executable, "-m", "energysim", "sweep", str(path), "-o", str(out),
                   *options, "--no-cache", "--no-plots", "-q"]
            env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(folder / f"cache-{i}")}
            if one_core:
                env["NUMBA_NUM_THREADS"] = "1"
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                                  preexec_fn=_one_core(allowed[0]) if one_core else None)
            wall_s = time.perf_counter() - t0
            if proc.returncode != 0:
                raise RuntimeError(f"{label}: exit {proc.returncode}:\n{proc.stderr[-3000:]}")
            summary = json.loads((out / NAME / "summary.json").read_text(encoding="utf-8"))
            runs.append({"label": label, "options": options, "one_core": one_core,
                         "cpus": [allowed[0]] if one_core else allowed, "wall_s": wall_s,
                         "load_avg_1min_before": load, "phases_s": summary["seconds"]})
        return {"samples": samples, "cpus": len(allowed), "runs": runs,
                **_compare(folder, samples, len(allowed))}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _compare(folder, samples, cpus):
    """Points of every run equal to the one-core run's; worker processes per run. [dict]"""
    import pandas as pd

    from energysim import sweep

    frames = [pd.read_parquet(folder / f"out-{i}" / NAME / "points.parquet")
              for i in range(len(RUNS))]
    n_chunks = -(-samples // 2500)  # the default chunk size on this (vectorised) path
    processes = []
    for _, options, _ in RUNS:
        asked = int(options[1]) if options else cpus  # the command's default: os.cpu_count()
        processes.append(sweep.effective_workers(samples, n_chunks, asked,
                                                 sweep.VECTORISED_MIN_POINTS_PER_WORKER))
    return {"rows": len(frames[0]), "points_equal": [bool(frames[0].equals(f)) for f in frames],
            "worker_processes": processes}


def run(report, quick):
    """Target 2d (``python -m benchmarks --big``)."""
    sizes = QUICK if quick else FULL
    report.section("2d. the second core: a 200,000-point sweep on one core and on all (--big)")
    result = in_child("second_core:measure_cores", samples=sizes["samples"], timeout=3600)
    report.figures["second_core"] = result
    if "skipped" in result:
        report.note(f"skipped: {result['skipped']}")
        return
    report.note(f"sweep: {result['samples']:,} points x 40 years = "
                f"{result['samples'] * 40:,} scenario-years, --no-cache --no-plots, "
                f"{result['cpus']} usable CPUs")
    runs = result["runs"]
    base_s = runs[0]["wall_s"]
    for item, processes in zip(runs, result["worker_processes"]):
        phases = item["phases_s"]
        report.row(item["label"], fmt_s(item["wall_s"]),
                   f"{fmt_x(base_s / item['wall_s'])} the speed of 1 core; "
                   f"{processes} process{'es' if processes > 1 else ''}; weather "
                   f"{phases['weather']:.2f} s, physics {phases['profiles']:.2f} s, chunks "
                   f"{phases['chunks']:.2f} s; load {item['load_avg_1min_before']:.2f} before",
                   f">= {fmt_x(TARGET_X)}" if item is runs[DEFAULT] else "")
    equal = all(result["points_equal"])
    report.row("points.parquet", f"{result['rows']:,} rows",
               f"equal on 1 core and on all, every worker count: {equal}")
    default = runs[DEFAULT]
    speedup = base_s / default["wall_s"]
    report.judge("2d", "the second core, default command against one core",
                 f"{fmt_x(speedup)} ({fmt_s(base_s)} -> {fmt_s(default['wall_s'])}), points "
                 f"{'equal' if equal else 'DIFFERENT'}",
                 f">= {fmt_x(TARGET_X)}, equal", equal and speedup >= TARGET_X)
