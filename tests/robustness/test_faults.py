"""Faults: killed runs, outputs that cannot be written, and two runs racing for one folder.

A result folder is written under a temporary name and renamed into place
(``energysim.results.write_result``). Whatever happens to a run -- SIGKILL at any moment, a
full disk, a read-only file system, a concurrent run -- the folder must afterwards hold
either the previous complete result or the new complete one, never a mixture, and the
user sees one line (exit 1 for an output that cannot be written).

Runs here are real ``energysim run`` subprocesses on a one-year, one-fleet scenario. The
weather is the generated Shaoguan year written once to a CSV, and the subprocesses share a
profile cache, so each run costs about three seconds of a shared core.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ._cli import (
    EXIT_OUTPUT,
    assert_one_line_error,
    cli_command,
    invoke,
    run_cli,
    start_cli,
    subprocess_env,
)

FAULTY_WRITER = Path(__file__).with_name("_faulty_writer.py")
RESULT_FILES = {"annual.csv", "annual.parquet", "totals.csv", "hourly.parquet", "summary.json",
                "scenario.toml"}
N_KILLS = 6
KILL_SEED = 20260711

SCENARIO = """\
name = "victim"
years = [2021, 2021]
[site]
latitude = 24.68
longitude = 113.6
[weather]
source = "weather.csv"
[[pv]]
name = "pv"
capacity_mw = {capacity}
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Two scenario variants (A: 100 MW, B: 200 MW, same name) and their weather file."""
    from energysim.weather import builtin_shaoguan, to_weather_csv

    folder = tmp_path_factory.mktemp("faults")
    to_weather_csv(*builtin_shaoguan(0), folder / "weather.csv")
    for variant, capacity in (("A", 100), ("B", 200)):
        (folder / f"{variant}.toml").write_text(SCENARIO.format(capacity=capacity),
                                                encoding="utf-8")
    return folder


def run_args(workdir, variant, out):
    return ["run", workdir / f"{variant}.toml", "-o", out, "--no-plots", "--overwrite", "-q"]


@pytest.fixture(scope="module")
def references(workdir):
    """Complete results of A and B (annual.csv bytes, scenario hash) and a run's duration."""
    refs = {}
    for variant in ("A", "B"):
        out = workdir / f"ref-{variant}"
        start = time.perf_counter()
        done = run_cli(run_args(workdir, variant, out), workdir)
        seconds = time.perf_counter() - start
        assert done.returncode == 0, done.stderr
        folder = out / "victim"
        refs[variant] = {"annual": (folder / "annual.csv").read_bytes(),
                         "sha": _scenario_sha(folder), "folder": folder, "seconds": seconds}
    assert refs["A"]["annual"] != refs["B"]["annual"]
    return refs


def _scenario_sha(folder):
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return summary["provenance"]["scenario_sha256"]


def which_result(folder, refs):
    """'A' or 'B' when ``folder`` holds that complete result; fails on anything else."""
    assert folder.is_dir(), f"{folder} is missing"
    names = {p.name for p in folder.iterdir()}
    assert names == RESULT_FILES, f"incomplete or extra files in {folder}: {sorted(names)}"
    annual = (folder / "annual.csv").read_bytes()
    variant = [v for v, ref in refs.items() if ref["annual"] == annual]
    assert variant, f"{folder}/annual.csv is neither the old nor the new result"
    # Not a mixture: every file belongs to the same run as annual.csv.
    assert _scenario_sha(folder) == refs[variant[0]]["sha"], "summary.json from another run"
    return variant[0]


def leftovers(out):
    """Entries of ``out`` other than result folders (staging and retired folders). [list]"""
    return sorted(p.name for p in out.iterdir() if p.name != "victim")


# --------------------------------------------------------------------------- SIGKILL


def test_sigkill_at_random_moments_leaves_old_or_new_result(workdir, references, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(references["A"]["folder"], out / "victim")
    current = "A"
    rng = random.Random(KILL_SEED)
    duration = max(references["A"]["seconds"], references["B"]["seconds"])
    outcomes = []
    for trial in range(N_KILLS):
        new = "B" if current == "A" else "A"
        delay = rng.uniform(0.3, 1.05) * duration
        process = start_cli(run_args(workdir, new, out), workdir)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate()
        killed = process.returncode == -signal.SIGKILL
        assert killed or process.returncode == 0, stderr
        found = which_result(out / "victim", references)
        assert found in (current, new)
        if not killed:
            assert found == new
        outcomes.append((round(delay, 2), "killed" if killed else "finished", found))
        current = found
    # Staging and retired folders a kill leaves behind are hidden and never mistaken for a
    # result; the next write removes those of dead writers (tested below).
    assert all(name.startswith(".victim.") for name in leftovers(out)), leftovers(out)
    print(f"kills (delay s, outcome, result): {outcomes}; leftovers: {leftovers(out)}")


def _faulty_write(out, value, mode):
    return subprocess.run([sys.executable, str(FAULTY_WRITER), str(out), str(value), mode],
                          capture_output=True, text=True)


def _tiny_installed(folder):
    return float((folder / "annual.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[3])


def test_sigkill_between_the_two_renames_keeps_a_result(tmp_path):
    out = tmp_path / "out"
    assert _faulty_write(out, 1, "none").returncode == 0
    # The child kills itself right after renaming the old result away -- if the swap still
    # works that way; a swap in one step finishes normally.
    died = _faulty_write(out, 2, "kill-between-renames")
    assert died.returncode in (0, -signal.SIGKILL), died.stderr
    folder = out / "victim"
    assert (folder / "annual.csv").is_file(), f"no result; left: {leftovers(out)}"
    assert _tiny_installed(folder) in (1.0, 2.0)


def test_next_run_cleans_up_after_a_killed_one(tmp_path):
    out = tmp_path / "out"
    assert _faulty_write(out, 1, "none").returncode == 0
    assert _faulty_write(out, 2, "kill-in-staging").returncode == -signal.SIGKILL
    assert leftovers(out), "the kill should have left a staging folder"
    assert _tiny_installed(out / "victim") == 1.0  # the old result is intact
    assert _faulty_write(out, 3, "none").returncode == 0
    assert _tiny_installed(out / "victim") == 3.0
    assert leftovers(out) == []


def test_failed_swap_keeps_a_complete_result(tmp_path, monkeypatch):
    import energysim.results as results
    from energysim.errors import OutputError

    from ._faulty_writer import tiny_result

    out = tmp_path / "out"
    results.write_result(tiny_result(1.0), out)
    real_rename = os.rename

    def rename(src, dst, *args, **kwargs):
        if Path(src).name.endswith(".partial") and Path(dst).name == "victim":
            # moving the new result into place fails
            raise OSError(28, "No space left on device")
        real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(results.os, "rename", rename)
    try:
        results.write_result(tiny_result(2.0), out, overwrite=True)
    except OutputError:
        pass  # failing is fine (exit 1); losing the previous result is not
    monkeypatch.undo()
    assert _tiny_installed(out / "victim") in (1.0, 2.0)


# --------------------------------------------------------------------------- not writable


def _ignore_sigxfsz_and_limit_file_size():
    # A file-size limit makes writes past it fail with EFBIG, like a full disk; without the
    # default SIGXFSZ action the process sees the error instead of dying.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_full_disk_is_one_line_exit_1_and_keeps_the_previous_result(workdir, references, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(references["A"]["folder"], out / "victim")
    done = run_cli(run_args(workdir, "B", out), workdir,
                   preexec_fn=_ignore_sigxfsz_and_limit_file_size)
    line = assert_one_line_error(done.returncode, done.stderr, ["victim", "cannot write results",
                                                              "File too large"],
                                 expected_code=EXIT_OUTPUT)
    assert str(out) in line
    assert which_result(out / "victim", references) == "A"
    assert leftovers(out) == [], "the failed run left its staging folder behind"


def _read_only_mount_prefix(folder):
    """argv prefix that runs a command with ``folder`` read-only in a private mount namespace.

    Even root cannot write to a read-only mount, unlike chmod. The namespace dies with the
    command, so nothing leaks into the machine's mount table. Skips where not permitted.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare(1) to make a read-only mount")
    script = ('mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"')
    prefix = [unshare, "--mount", "sh", "-c", script, str(folder)]
    probe = subprocess.run([*prefix, "sh", "-c", f'! touch "{folder}/.probe" 2>/dev/null'],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private read-only bind mount here: {probe.stderr!r}")
    return prefix


def test_read_only_output_is_one_line_exit_1_and_keeps_the_previous_result(
        workdir, references, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(references["A"]["folder"], out / "victim")
    prefix = _read_only_mount_prefix(out)
    args = [*prefix, *cli_command(), *map(str, run_args(workdir, "B", out))]
    done = subprocess.run(args, cwd=workdir, env=subprocess_env(workdir), capture_output=True,
                          text=True)
    assert_one_line_error(done.returncode, done.stderr, [str(out), "Read-only file system"],
                          expected_code=EXIT_OUTPUT)
    assert which_result(out / "victim", references) == "A"
    assert leftovers(out) == []


def test_output_under_a_regular_file_is_one_line_exit_1(workdir, tmp_path):
    # In-process (click's runner): the same code path, without a second interpreter start.
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    code, stderr, exc = invoke(run_args(workdir, "A", blocker / "results"))
    assert_one_line_error(code, stderr, ["a-file", "Not a directory"], expected_code=EXIT_OUTPUT,
                          exception=exc)
    assert blocker.read_text(encoding="utf-8") == ""


# --------------------------------------------------------------------------- concurrency


def test_two_runs_writing_the_same_result_at_once(workdir, references, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(references["A"]["folder"], out / "victim")
    processes = [start_cli(run_args(workdir, variant, out), workdir) for variant in ("B", "A")]
    finished = [(p.wait(), p.communicate()[1]) for p in processes]
    for code, stderr in finished:
        if code != 0:  # the loser of the race: one clear line, exit 1
            assert_one_line_error(code, stderr, ["victim"], expected_code=EXIT_OUTPUT)
    assert any(code == 0 for code, _ in finished), finished
    winner = which_result(out / "victim", references)
    assert all(name.startswith(".victim.") for name in leftovers(out)), leftovers(out)
    print(f"concurrent runs B, A: exit {[code for code, _ in finished]}, result {winner}, "
          f"leftovers {leftovers(out)}")
