"""Progress on a terminal, nothing in a pipe; -v phases; a quiet Dask cluster.

The commands run as real subprocesses (``python -m energysim``); the terminal is a real
pseudo-terminal (``pty``); the Dask cluster is a real ``LocalCluster`` on 127.0.0.1.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from energysim.cli.progress import TerminalProgress, format_duration, format_progress

SCENARIO = """
name = "{name}"
years = [2021, 2025]
[site]
latitude = 24.68
longitude = 113.60
altitude_m = 61
[weather]
source = "builtin:shaoguan"
[[pv]]
name = "utility-pv"
capacity_wan_kw = {pv}
tilt_deg = 20
[grid]
emission_factor_t_per_mwh = {{ 2021 = 0.55, 2025 = 0.5 }}
export_limit_mw = 400
"""

SWEEP = """
base = "../a.toml"
name = "tiny"
[parameters]
grid.export_limit_mw = { start = 100, stop = 500, step = 100 }
"grid.emission_factor_t_per_mwh[2025]" = [0.2, 0.4]
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    folder = tmp_path_factory.mktemp("progress")
    for name, pv in (("a", 40), ("b", 60), ("c", 80)):
        (folder / f"{name}.toml").write_text(SCENARIO.format(name=name, pv=pv), encoding="utf-8")
    (folder / "sweeps").mkdir()
    (folder / "sweeps" / "tiny.toml").write_text(SWEEP, encoding="utf-8")
    return folder


def env_for(work):
    env = dict(os.environ, ENERGYSIM_CACHE_DIR=str(work / "cache"), COLUMNS="100")
    env.pop("FORCE_COLOR", None)
    return env


def energysim(work, *args):
    return subprocess.run([sys.executable, "-m", "energysim", *map(str, args)], cwd=work,
                          env=env_for(work), capture_output=True, text=True, timeout=None)


# --------------------------------------------------------------------------- the formatter

def test_format_progress_known_values():
    assert format_progress("points", 0, 1000, 0.0) == "points 0/1,000 (0%)"
    # 250 of 1,000 in 5 s: 50/s, 750 left at 50/s = 15 s
    assert format_progress("points", 250, 1000, 5.0) == "points 250/1,000 (25%)  50.0/s  0:15 left"
    # 1 of 3 scenarios in 4 s: 0.25/s, 2 left = 8 s
    assert format_progress("scenarios", 1, 3, 4.0) == "scenarios 1/3 (33%)  0.25/s  0:08 left"
    assert format_progress("points", 48, 48, 3725.0) == \
        "points 48/48 (100%)  0.0129/s  done in 1:02:05"
    assert format_duration(59.6) == "1:00"


class Clock:
    def __init__(self, times):
        self.times = list(times)

    def __call__(self):
        return self.times.pop(0)


def test_terminal_progress_renders_in_place():
    stream = io.StringIO()
    # start at t=0; updates at 1 s, 1.05 s (too soon: skipped), 2 s and the last at 2.01 s
    bar = TerminalProgress("points", stream=stream, enabled=True,
                           clock=Clock([0.0, 1.0, 1.05, 2.0, 2.01]))
    for done in (10, 15, 20, 40):
        bar(done, 40)
    bar.close()
    assert stream.getvalue() == (
        "\rpoints 10/40 (25%)  10.0/s  0:03 left"
        "\rpoints 20/40 (50%)  10.0/s  0:02 left"
        "\rpoints 40/40 (100%)  19.9/s  done in 0:02"
        "\n")


def test_terminal_progress_is_silent_off_a_terminal():
    stream = io.StringIO()  # isatty() is False
    bar = TerminalProgress("points", stream=stream)
    assert not bar.enabled
    bar(1, 2)
    bar(2, 2)
    bar.close()
    assert stream.getvalue() == ""


# --------------------------------------------------------------------------- commands

def test_run_in_a_pipe_prints_no_progress_and_v_shows_the_phases(work):
    result = energysim(work, "run", "a.toml", "b.toml", "-o", "out", "--overwrite",
                       "--no-plots")
    assert result.returncode == 0, result.stderr
    assert "scenarios" not in result.stderr and "\r" not in result.stderr + result.stdout
    assert result.stderr == ""
    verbose = energysim(work, "run", "a.toml", "b.toml", "-o", "out", "--overwrite", "-v")
    assert verbose.returncode == 0, verbose.stderr
    for phase in (r"load scenario a\.toml: \d+\.\d\d s", r"a: weather builtin:shaoguan: \d",
                  r"a: physics \d+\.\d\d s \(1 fleets\), kernels \d+\.\d\d s",
                  r"b: write \d+\.\d\d s, figures \d+\.\d\d s"):
        assert re.search(phase, verbose.stderr), (phase, verbose.stderr)
    assert all(line.startswith("INFO energysim") for line in verbose.stderr.splitlines())


def run_in_pty(work, *args):
    """Run energysim with stdout and stderr on a pseudo-terminal; return all it wrote."""
    import pty

    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "energysim", *args], cwd=work,
                               env=env_for(work), stdin=subprocess.DEVNULL, stdout=terminal,
                               stderr=terminal, close_fds=True)
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(controller)
    assert process.wait() == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode()


def test_run_on_a_terminal_shows_scenarios_done(work):
    text = run_in_pty(work, "run", "a.toml", "b.toml", "c.toml", "-o", "tty", "--overwrite",
                      "--no-plots")
    assert "\rscenarios 0/3 (0%)" in text
    assert re.search(r"\rscenarios 3/3 \(100%\)  [\d.]+/s  done in \d+:\d\d", text), text
    assert "wrote tty/c/" in text


@pytest.mark.slow
def test_sweep_on_a_terminal_shows_points_done(work):
    text = run_in_pty(work, "sweep", "sweeps/tiny.toml", "-o", "tty", "--overwrite",
                      "--chunk-size", "2", "--no-plots")
    assert re.search(r"\rpoints 10/10 \(100%\)  [\d.,]+/s  done in \d+:\d\d", text), text


@pytest.mark.slow
def test_sweep_on_a_local_dask_cluster_is_quiet(work):
    result = energysim(work, "sweep", "sweeps/tiny.toml", "-o", "dask", "--overwrite",
                       "--dask-local", "2", "--chunk-size", "2", "--no-plots")
    assert result.returncode == 0, result.stderr
    both = result.stdout + result.stderr
    assert "Traceback" not in both and "CommClosedError" not in both, both
    assert not re.search(r"INFO.*distributed|distributed.*INFO", both), both
    assert not re.search(r"^(INFO|DEBUG)", result.stderr, flags=re.M), result.stderr
    assert "wrote " in result.stdout and "10 points" in result.stdout
    # -v shows energysim's phases, still none of distributed's INFO lines
    verbose = energysim(work, "sweep", "sweeps/tiny.toml", "-o", "dask", "--overwrite",
                        "--dask-local", "2", "--chunk-size", "2", "--no-plots", "-v")
    assert verbose.returncode == 0, verbose.stderr
    assert re.search(r"INFO energysim.sweep: kernels, 5 chunks of up to 2 points on Dask",
                     verbose.stderr), verbose.stderr
    assert "distributed" not in verbose.stderr.replace("WARNING distributed", "")
    assert "Traceback" not in verbose.stderr
