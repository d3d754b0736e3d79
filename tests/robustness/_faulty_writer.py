"""Write a tiny result with ``energysim.results.write_result``, optionally dying on the way.

Run as a script by tests/robustness/test_faults.py::

    python _faulty_writer.py OUT_DIR VALUE MODE

``VALUE`` tells results apart (it is the installed capacity). ``MODE`` is where the process
kills itself with SIGKILL, as a power cut or the OOM killer would:

* ``none``: write normally;
* ``kill-in-staging``: after every file is in the staging folder, before any rename;
* ``kill-between-renames``: after the old result was renamed away, before the new one is
  renamed into place (the one moment the two-rename swap is not atomic).
"""

from __future__ import annotations

import os
import signal
import sys

import pandas as pd

import energysim.results as results


def tiny_result(value):
    """A valid Result of one year and one fleet; ``value`` is its installed capacity. [MW]"""
    annual = pd.DataFrame({
        "year": [2021], "fleet": ["pv"], "technology": ["pv"], "installed_mw": [value],
        "effective_mw": [value], "hours_in_year": [8760], "generation_mwh": [value * 1000.0],
        "curtailed_mwh": [0.0], "delivered_mwh": [value * 1000.0],
    })
    totals = annual.drop(columns=["fleet", "technology"])
    return results.Result(name="victim", annual=annual, totals=totals,
                          summary={"value": value}, metadata={"value": value})


def main(out_dir, value, mode):
    real_rename = os.rename

    def rename(src, dst, *args, **kwargs):
        real_rename(src, dst, *args, **kwargs)
        if mode == "kill-between-renames" and ".old-" in os.fspath(dst):
            os.kill(os.getpid(), signal.SIGKILL)

    def swap(*args, **kwargs):
        if mode == "kill-in-staging":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_swap(*args, **kwargs)

    real_swap = results.swap_into_place
    os.rename = rename
    results.swap_into_place = swap
    results.write_result(tiny_result(float(value)), out_dir, overwrite=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
