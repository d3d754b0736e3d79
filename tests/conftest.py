"""Shared fixtures: the real Shaoguan weather file (read from ../shared/weather/, never copied)."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_WEATHER = REPO.parent / "shared" / "weather"
SHAOGUAN_EPW = SHARED_WEATHER / "CHN_Guangdong.Shaoguan.590820_CSWD.epw"


@pytest.fixture(scope="session")
def shaoguan_epw_path():
    """Path of the real CSWD Shaoguan file; skips where ../shared/weather/ is absent.

    CI always has the folder (.ci/run fails without it), so there a missing file is an
    error rather than a skip.
    """
    if not SHAOGUAN_EPW.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{SHAOGUAN_EPW} is missing on CI")
        pytest.skip(f"real weather file not available at {SHAOGUAN_EPW} (a user's clone)")
    return SHAOGUAN_EPW


@pytest.fixture(scope="session")
def repo_root():
    """The repository's top folder."""
    return REPO
