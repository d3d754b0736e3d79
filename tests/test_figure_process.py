"""The figures of `energysim run` drawn in a forked child: same bytes, failures as one line.

Real runs of the shipped shaoguan-potential scenario (built-in weather year), a real
forked child drawing with matplotlib; the command line through click's runner.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from energysim import plotting
from energysim.cli import main
from energysim.cli.figure_process import ChildTraceback, FigureProcess, fork_available
from energysim.cli.run_cmd import run_one
from energysim.errors import OutputError, one_line
from energysim.results import read_result
from energysim.scenario import load_scenario
from energysim.simulate import load_scenario_weather, run_scenario

pytestmark = pytest.mark.skipif(not fork_available(), reason="the figure process needs fork")


@pytest.fixture(scope="module")
def potential(repo_root):
    scenario = load_scenario(repo_root / "scenarios" / "shaoguan-potential.toml")
    weather, meta = load_scenario_weather(scenario)
    return scenario, (weather, meta), run_scenario(scenario, weather, meta)


@pytest.mark.parametrize("units", ["cn", "si"])
def test_the_child_draws_the_bytes_the_parent_would(potential, units):
    _, _, result = potential
    with FigureProcess() as process:
        process.submit(result, units)
        images = process.receive()
        process.submit(result, units)  # a second result in the same (warm) child
        again = process.receive()
    expected = plotting.figure_pngs(result, units=units)
    assert [name for name, _ in images] == list(plotting.FIGURE_FILES)
    assert images == expected and again == expected
    assert all(data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000 for _, data in images)


def test_run_writes_the_figures_of_the_child(tmp_path, repo_root):
    # `run` itself (figure process on) against the figures drawn here from the tables it wrote.
    out = tmp_path / "out"
    scenario = repo_root / "scenarios" / "shaoguan-potential.toml"
    done = CliRunner().invoke(main, ["run", str(scenario), "-o", str(out), "--units", "si",
                                     "--no-cache", "-q"])
    assert done.exit_code == 0, done.output
    folder = out / "shaoguan-potential"
    written = read_result(folder)
    for name, data in plotting.figure_pngs(written, units="si"):
        assert (folder / name).read_bytes() == data, name
    # the collector is on again and nothing stays frozen after the command
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_drawing_error_in_the_child_is_one_output_error_with_its_traceback(potential):
    _, _, result = potential
    broken = type(result)(name="broken", annual=pd.DataFrame({"year": [2021]}),
                          totals=result.totals, summary=result.summary)
    with FigureProcess() as process:
        process.submit(broken, "cn")
        with pytest.raises(OutputError) as caught:
            process.receive()
        process.submit(result, "cn")  # the child still serves the next result
        assert [name for name, _ in process.receive()] == list(plotting.FIGURE_FILES)
    message = one_line(caught.value, 1000)
    assert message.startswith("the figures could not be drawn: KeyError")
    assert "\n" not in message
    assert isinstance(caught.value.__cause__, ChildTraceback)
    assert "Traceback" in str(caught.value.__cause__)
    assert "pivot_table" in str(caught.value.__cause__)


def test_a_killed_child_leaves_no_result_and_no_partial_folder(potential, tmp_path):
    scenario, weather, _ = potential
    out = tmp_path / "out"
    with FigureProcess() as process:
        os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(OutputError, match="figure process ended without drawing"):
            run_one(scenario, out, False, "cn", True, False, weather,
                    figure_process=process)
    assert not out.exists() or list(out.iterdir()) == []


def test_a_failed_child_is_one_line_and_exit_1_on_the_command_line(tmp_path, repo_root):
    # Every savefig fails in the child (as on a full /tmp): the command prints one line,
    # exits 1 and leaves no result folder.
    code = ("import matplotlib.figure as f; "
            "f.Figure.savefig = lambda *a, **k: (_ for _ in ()).throw("
            "OSError('no space left on device')); "
            "from energysim.cli import main; main()")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", code, "run",
                           str(repo_root / "scenarios" / "shaoguan-potential.toml"),
                           "-o", str(out), "-q"],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "ENERGYSIM_CACHE_DIR": str(tmp_path / "cache")})
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0] == (f"error: {out / 'shaoguan-potential'}: cannot write "
                                            "results: the figures could not be drawn: OSError: "
                                            "no space left on device"), lines
    assert not out.exists() or list(out.iterdir()) == []


def test_parallel_jobs_draw_in_process_the_same_bytes(tmp_path, repo_root):
    # With -j 2 each worker draws its own figures (no figure process): the same files.
    scenarios = [str(repo_root / "scenarios" / name)
                 for name in ("shaoguan-potential.toml", "shaoguan-14th-fyp.toml")]
    outs = {}
    for label, jobs in (("serial", "1"), ("parallel", "2")):
        outs[label] = tmp_path / label
        # a fresh process: this one has run numba kernels, whose threads a fork must not copy
        done = subprocess.run([sys.executable, "-m", "energysim", "run", *scenarios,
                               "-o", str(outs[label]), "-j", jobs, "--no-cache", "-q"],
                              capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    for name in ("shaoguan-potential", "shaoguan-14th-fyp"):
        for png in plotting.FIGURE_FILES:
            assert ((outs["parallel"] / name / png).read_bytes()
                    == (outs["serial"] / name / png).read_bytes()), (name, png)
