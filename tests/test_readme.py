"""The README's Python examples run, in order, from the repository's folder."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_python_examples():
    blocks = python_blocks()
    assert len(blocks) >= 3
    assert any("energysim.run_sweep" in b for b in blocks)
    assert any("with_changes" in b for b in blocks)


def test_readme_python_examples_run(capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        namespace = {"__name__": "readme"}
        for block in python_blocks():
            exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out
    assert "PV delivered in 2030:" in printed
    assert "with_changes [pv.utility-pv] tilt_deg = 95" in printed
    points = namespace["points"]
    # tilt and export limit both matter: four distinct points, the limit only curtails
    assert points["tag"].is_unique
    assert (points["delivered_mwh_pv_2030"] > 0).all()
