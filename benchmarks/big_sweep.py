"""Target 2c (``--big`` only): a 1,000,000-point sweep on 2 cores, interrupted and resumed.

The sweep is ``benchmarks/sweeps/potential-10000.toml`` with ``samples = 1000000``:
1,000,000 Latin-hypercube points x 40 years = 40 million scenario-years, on the vectorised
path (the points differ only in capacities, export limit and the 2060 emission factor
within 12 structural combinations). It runs as a user runs it, ``python -m energysim sweep
BIG.toml -o OUT --workers 2 --no-cache --no-plots`` in a subprocess, writing its points in
chunks of 2,500. Once 40 % of the chunks are on disk the command is interrupted with
SIGINT (Ctrl-C: exit 130, completed chunks kept) and then completed with ``--resume``.

Figures: the wall time of both runs together (target <= 5 min), the peak resident memory
of the process tree (the command and its worker processes, sampled every 0.1 s with
psutil; target <= 2 GB), and the checks that nothing was lost or duplicated:
``points.parquet`` holds each point 0 .. 999,999 exactly once (``combine_chunks`` refuses
anything else) and 200 points drawn at random equal, column for column, the same points
computed by the path of a scenario per point in this process. The reference is the naive
per-scenario-year loop of target 2 (pvlib and windpowerlib ModelChains rerun each time),
timed in the same run; its figure for 40 million scenario-years is extrapolated.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks._common import REPO, fmt_s, fmt_x, in_child, sweep_file

FULL = {"samples": 1_000_000, "naive_scenario_years": 3, "check_points": 200}
QUICK = {"samples": 3_000, "naive_scenario_years": 1, "check_points": 20, "chunk_size": 500}
TARGET_S = 300.0
TARGET_RSS_MB = 2048.0
INTERRUPT_AT = 0.4  # share of the chunks written when Ctrl-C is sent


class TreeMemory:
    """Peak resident memory of a process and its descendants, sampled in a thread. [MiB]"""

    def __init__(self, interval_s=0.1):
        self.peak_mb = 0.0
        self._interval_s = interval_s
        self._process = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def watch(self, pid):
        import psutil

        self._process = psutil.Process(pid)
        if not self._thread.is_alive():
            self._thread.start()

    def _sample(self):
        import psutil

        while not self._stop.is_set():
            process = self._process
            try:
                rss = process.memory_info().rss + sum(
                    child.memory_info().rss for child in process.children(recursive=True))
                self.peak_mb = max(self.peak_mb, rss / 2**20)
            except psutil.Error:  # a process ended between the listing and the reading
                pass
            self._stop.wait(self._interval_s)

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def _command(path, out, chunk_size, resume):
    cmd = [sys.executable, "-m", "energysim", "sweep", str(path), "-o", str(out),
           "--workers", "2", "--no-cache", "--no-plots", "-q"]
    if chunk_size:
        cmd += ["--chunk-size", str(chunk_size)]
    if resume:
        cmd.append("--resume")
    return cmd


def _default_sigint():
    """In the child: Ctrl-C's default disposition, whatever this benchmark inherited.

    A shell without job control starts a background command (``python -m benchmarks
    --big &``) with SIGINT ignored, and Python then leaves it ignored in every child, so
    the Ctrl-C sent below would be lost and the sweep would run to its end.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def measure_big(samples, check_points, chunk_size=None):
    """Run, interrupt and resume the big sweep; check it; return the figures. [dict]"""
    folder = Path(tempfile.mkdtemp(prefix="energysim-bench-big-"))
    memory = TreeMemory()
    try:
        path = sweep_file(samples, folder, "bench-big")
        out = folder / "out"
        chunks = out / "bench-big" / "chunks"
        n_chunks = -(-samples // (chunk_size or 2500))
        t0 = time.perf_counter()
        first = subprocess.Popen(_command(path, out, chunk_size, False), cwd=REPO,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=_default_sigint)
        memory.watch(first.pid)
        while first.poll() is None:
            done = len(list(chunks.glob("chunk-*.parquet"))) if chunks.is_dir() else 0
            if done >= INTERRUPT_AT * n_chunks:
                first.send_signal(signal.SIGINT)
                break
            time.sleep(0.2)
        _, err = first.communicate()
        t_first = time.perf_counter() - t0
        kept = len(list(chunks.glob("chunk-*.parquet")))
        if first.returncode not in (0, 130):  # 130: interrupted; 0: done before Ctrl-C
            raise RuntimeError(f"interrupted sweep exited {first.returncode}:\n{err[-3000:]}")
        t1 = time.perf_counter()
        second = subprocess.Popen(_command(path, out, None, True), cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        memory.watch(second.pid)
        _, err = second.communicate()
        t_second = time.perf_counter() - t1
        memory.stop()
        if second.returncode != 0:
            raise RuntimeError(f"resumed sweep exited {second.returncode}:\n{err[-3000:]}")
        return {"samples": samples, "n_chunks": n_chunks, "chunks_kept": kept,
                "interrupted": first.returncode == 130,
                "first_s": t_first, "resume_s": t_second, "total_s": t_first + t_second,
                "rss_peak_mb": memory.peak_mb, **_check(path, out, check_points)}
    finally:
        memory.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _check(path, out, check_points):
    """Each point once; a random sample equal to the path of a scenario per point. [dict]"""
    import pandas as pd

    from energysim import simulate, sweep
    from energysim.sweep.executors import ChunkTask, Context, WorkerState, run_chunk

    points = pd.read_parquet(out / "bench-big" / "points.parquet")
    spec = sweep.load_sweep(path)
    expanded = sweep.expand(spec)
    once = bool(np.array_equal(points["point"].to_numpy(), np.arange(len(expanded))))
    rows = np.sort(np.random.default_rng(1).choice(len(expanded), check_points, replace=False))
    check = sweep.validate_points(spec, expanded)
    weather, meta = simulate.load_scenario_weather(spec.base)
    profiles = simulate.profiles_for(check["profiles"].values(), weather, meta)
    context = Context(spec=spec, weather=weather, weather_meta=meta, profiles=profiles,
                      techs=sweep.technologies(spec), full_annual=False, token="check")
    state = WorkerState.for_context(context)
    frames = [run_chunk(context, ChunkTask(0, int(i), expanded.codes[i:i + 1],
                                           (expanded.tags[i],)), state)[1] for i in rows]
    alone = pd.concat(frames, ignore_index=True)
    # (the command also writes 亿千瓦时 / 万吨CO2 columns: compared are the table's own)
    stored = points.iloc[rows][list(alone.columns)].reset_index(drop=True)
    return {"rows": int(len(points)), "each_point_once": once, "checked_points": len(rows),
            "sample_equals_per_point": bool(stored.equals(alone))}


def run(report, quick):
    """Target 2c (``python -m benchmarks --big``)."""
    sizes = QUICK if quick else FULL
    report.section("2c. a 1,000,000-point sweep on 2 cores, interrupted and resumed (--big)")
    naive = in_child("end_to_end:measure_naive", n_scenario_years=sizes["naive_scenario_years"])
    big = in_child("big_sweep:measure_big", samples=sizes["samples"],
                   check_points=sizes["check_points"], chunk_size=sizes.get("chunk_size"),
                   timeout=3600)
    report.figures["big_sweep"] = {"naive": naive, "big": big}
    scenario_years = big["samples"] * 40
    report.note(f"sweep: {big['samples']:,} points x 40 years = {scenario_years:,} "
                f"scenario-years in {big['n_chunks']} chunks; "
                + (f"Ctrl-C after {big['chunks_kept']} chunks, then --resume"
                   if big["interrupted"] else "finished before Ctrl-C could be sent"))
    naive_total = naive["median_s"] * scenario_years
    report.row("naive loop per scenario-year", fmt_s(naive["median_s"]),
               f"x {scenario_years:,} = {naive_total / 86400:,.1f} days (extrapolated)")
    report.row("run until Ctrl-C", fmt_s(big["first_s"]))
    report.row("--resume to the end", fmt_s(big["resume_s"]))
    report.row("both runs", fmt_s(big["total_s"]),
               f"{fmt_x(naive_total / big['total_s'])} the naive loop",
               f"<= {fmt_s(TARGET_S)}")
    report.row("peak memory, command + workers", f"{big['rss_peak_mb']:.0f} MiB", "",
               f"<= {TARGET_RSS_MB:.0f} MiB")
    report.row("points.parquet", f"{big['rows']:,} rows",
               f"each point once: {big['each_point_once']}; {big['checked_points']} random "
               f"points equal the per-point path: {big['sample_equals_per_point']}")
    whole = big["each_point_once"] and big["sample_equals_per_point"] and big["interrupted"]
    report.judge("2c", "1,000,000-point sweep on 2 cores, interrupted and resumed",
                 f"{fmt_s(big['total_s'])}, peak {big['rss_peak_mb']:.0f} MiB, "
                 f"{'complete and equal' if whole else 'INCOMPLETE OR DIFFERENT'}",
                 f"<= {fmt_s(TARGET_S)}, <= {TARGET_RSS_MB:.0f} MiB, complete",
                 whole and big["total_s"] <= TARGET_S and big["rss_peak_mb"] <= TARGET_RSS_MB)
