"""`python -m benchmarks --quick` still runs and reports every target (never how fast)."""

import os
import subprocess
import sys

import pytest

TARGETS = ("1a", "1b", "2", "2b", "3a", "3b", "3c", "4a", "4b", "5", "6", "7a", "7b", "7c", "7d", "7e")


@pytest.mark.slow
def test_quick_benchmarks_run_and_print_every_target(repo_root, tmp_path):
    env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"], cwd=repo_root,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    for key in TARGETS:
        hits = [line for line in lines if line.startswith(f"TARGET {key} ")]
        assert hits, f"no TARGET {key} line in:\n{proc.stdout[-3000:]}"
        assert all(": not judged" in line for line in hits)  # --quick never judges speed
    assert "CRASHED" not in proc.stdout


@pytest.mark.slow
def test_big_sweep_benchmark_interrupts_resumes_and_checks_its_points(repo_root, tmp_path):
    """``--big``'s target 2c at tiny size: Ctrl-C, ``--resume``, every point once and equal."""
    env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "big_sweep"],
                          cwd=repo_root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "3,000 rows   each point once: True; 20 random points equal the per-point " \
           "path: True" in proc.stdout
    assert [line for line in proc.stdout.splitlines() if line.startswith("TARGET 2c ")]
    assert "CRASHED" not in proc.stdout


@pytest.mark.slow
def test_second_core_benchmark_runs_one_core_and_all_with_equal_points(repo_root, tmp_path):
    """``--big``'s target 2d at tiny size: four runs of the command, the same points."""
    env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "second_core"],
                          cwd=repo_root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    labels = ("1 core, --workers 1", "all cores, --workers 1", "all cores, default workers",
              "all cores, --workers 2")
    lines = proc.stdout.splitlines()
    for label in labels:
        assert any(line.strip().startswith(label) and "the speed of 1 core" in line
                   for line in lines), proc.stdout[-3000:]
    assert "2,000 rows   equal on 1 core and on all, every worker count: True" in proc.stdout
    assert [line for line in lines if line.startswith("TARGET 2d ")]
    assert "CRASHED" not in proc.stdout
