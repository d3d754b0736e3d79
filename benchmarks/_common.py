"""Helpers shared by the benchmark modules: timing, fresh-subprocess measurements, output.

Peak memory is always ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of a *fresh* Python
process that runs one measurement (interpreter, numpy, numba and data included), so one
measurement's allocations never inflate another's.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The 10,000-point benchmark sweep; the big benchmarks run it with more samples.
SWEEP_FILE = REPO / "benchmarks" / "sweeps" / "potential-10000.toml"
_MARK = "BENCH-JSON "


def sweep_file(samples, folder, name):
    """:data:`SWEEP_FILE` with ``samples`` points and ``name``, written to ``folder``. [Path]

    The base scenario is given by its absolute path, so the copy runs from any folder.
    """
    text = SWEEP_FILE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^samples = \d+", f"samples = {int(samples)}", text)
    text = re.sub(r'(?m)^name = ".*"', f'name = "{name}"', text)
    base = (SWEEP_FILE.parent / "../../scenarios/shaoguan-potential.toml").resolve()
    text = re.sub(r'(?m)^base = ".*"', f'base = "{base.as_posix()}"', text)
    path = Path(folder) / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def best_of(func, repeat):
    """Call ``func()`` ``repeat`` times; return (best, median, all) wall times. [s]"""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), times


def peak_rss_mb():
    """Peak resident set size of this process so far (Linux ``ru_maxrss`` is KiB). [MiB]"""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def in_child(target, env=None, timeout=3600, **kwargs):
    """Run ``module:function(**kwargs)`` in a fresh interpreter and return its dict.

    The child prints one line ``BENCH-JSON {...}``; its stderr is passed through on failure.
    """
    cmd = [sys.executable, "-m", "benchmarks._child", target, json.dumps(kwargs)]
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{target} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    raise RuntimeError(f"{target} printed no result:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def emit(result):
    """Print a child's result for :func:`in_child`."""
    print(_MARK + json.dumps(result), flush=True)


def machine():
    """What the figures were measured on. [dict]"""
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover
        load = (float("nan"),) * 3
    import numba
    import numpy

    return {"cpu": model, "nproc": usable, "load_avg_1_5_15": [round(x, 2) for x in load],
            "python": platform.python_version(), "numpy": numpy.__version__,
            "numba": numba.__version__, "numba_threads": numba.config.NUMBA_NUM_THREADS}


# --------------------------------------------------------------------------- report

@dataclass
class Target:
    """One judged figure."""

    key: str
    name: str
    figure: str
    target: str
    met: bool | None  # None: not judged (--quick or informational)
    note: str = ""

    def line(self):
        status = {True: "MET", False: "NOT MET", None: "not judged"}[self.met]
        note = f"  ({self.note})" if self.note else ""
        return (f"TARGET {self.key} {self.name}: {self.figure} vs target {self.target}: "
                f"{status}{note}")


@dataclass
class Report:
    """Collects the target lines of all modules; prints as it goes."""

    quick: bool
    targets: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    def section(self, title):
        print(f"\n=== {title} ===", flush=True)

    def row(self, label, value, ratio="", target=""):
        """A figure, its ratio to the reference, and its target, on one line."""
        text = f"  {label:<34} {value:>22}"
        if ratio:
            text += f"   {ratio}"
        if target:
            text += f"   [target {target}]"
        print(text, flush=True)

    def note(self, text):
        print(f"  {text}", flush=True)

    def judge(self, key, name, figure, target, met, note=""):
        if self.quick:
            met, note = None, "--quick: tiny sizes, not judged"
        item = Target(key, name, figure, target, met, note)
        self.targets.append(item)
        print(item.line(), flush=True)
        return item


def fmt_s(seconds):
    """A duration with a sensible unit. [str]"""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} us"


def fmt_x(ratio):
    """A ratio as 'x 12.3'. [str]"""
    if ratio >= 100:
        return f"x {ratio:,.0f}"
    return f"x {ratio:.2f}" if ratio < 10 else f"x {ratio:.1f}"
