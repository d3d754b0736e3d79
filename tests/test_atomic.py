"""The one atomic-write helper, its file-mode rule, and the result folder both ways."""

import os
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from test_compare_report import fake_result  # a small, internally consistent Result

from energysim import atomic
from energysim.cache import ProfileCache
from energysim.results import read_result


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_write_bytes_is_whole_and_follows_the_mode_rule(tmp_path, umask_027):
    path = atomic.write_bytes(tmp_path / "a.bin", b"x" * 1000)
    assert path.read_bytes() == b"x" * 1000
    assert mode(path) == 0o644 & ~0o027 == 0o640
    folder = atomic.make_folder(tmp_path / "b" / "c")
    assert mode(folder) == 0o755 & ~0o027 == 0o750
    with pytest.raises(FileExistsError):
        atomic.write_bytes(path, b"y", overwrite=False)
    assert path.read_bytes() == b"x" * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(tmp_path / "t.parquet") as temporary:
            temporary.write_bytes(b"half")
            raise RuntimeError("writer died")
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_a_dead_writer_are_found_and_evicted(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)  # that process has exited
    left = tmp_path / f".{'a' * 64}.npy.{pid}.0123abcd.partial"
    left.write_bytes(b"partial profile")
    mine = atomic.temporary_name(tmp_path / "b.npy")
    mine.write_bytes(b"being written by this process")
    assert atomic.stale_temporaries(tmp_path) == [left]
    cache = ProfileCache(tmp_path)
    cache.put("b" * 64, np.arange(3.0))  # evicts what killed writers left
    assert not left.exists() and mine.exists()
    assert cache.get("b" * 64).tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("system", ["si", "cn"])
def test_result_write_and_read_result_round_trip(tmp_path, system):
    result = fake_result("round-trip", pv_mw=4000.0, wind_mw=1500.0)
    folder = result.write(tmp_path, units=system, figures=False)
    back = read_result(folder)
    assert back.name == "round-trip" and back.path == folder
    assert back.summary == {k: v for k, v in result.summary.items()}
    assert back.metadata["scenario_sha256"] == result.metadata["scenario_sha256"]
    si = [c for c in result.totals.columns]
    pd.testing.assert_frame_equal(back.totals[si], result.totals, check_dtype=False, rtol=1e-9)
    assert ("installed_wan_kw" in back.annual) == (system == "cn")
    assert ("cumulative_avoided_coal_wan_tce" in back.totals) == (system == "cn")
    assert list(back.hourly) == [2021]
    assert all(mode(p) == 0o644 & ~atomic.current_umask() for p in folder.iterdir())
    again = back.write(tmp_path / "again", units=system, figures=False)
    assert (again / "summary.json").read_bytes() == (folder / "summary.json").read_bytes()
