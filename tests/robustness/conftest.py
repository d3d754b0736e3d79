"""Configuration of the robustness tests."""

import shutil
import tempfile
from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches (constants, charmap) in ./.hypothesis/, written while the property
# modules are collected, before any fixture runs. Tests write nothing into the working
# tree, so point it at a private temporary folder for this session and remove that after.
# (``database=None`` in the property tests' settings keeps out the example database.)
_HYPOTHESIS_HOME = Path(tempfile.mkdtemp(prefix="energysim-robustness-hypothesis-"))
set_hypothesis_home_dir(_HYPOTHESIS_HOME)


def pytest_unconfigure(config):
    set_hypothesis_home_dir(None)
    shutil.rmtree(_HYPOTHESIS_HOME, ignore_errors=True)
