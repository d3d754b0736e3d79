"""energysim: renewable-energy potential simulator (PV and wind, build-out, avoided CO2).

Importing the package is cheap and has no side effects beyond a ``NullHandler`` on the
``energysim`` logger: the public functions below are imported on first use (PEP 562), so
``import energysim`` loads none of numba, pandas, matplotlib, pvlib or windpowerlib.

Public API
----------
load_scenario(path) -> Scenario
    Read and validate a scenario TOML file (:func:`energysim.scenario.load_scenario`).
Scenario
    The validated scenario model (:class:`energysim.scenario.Scenario`).
run_scenario(scenario, weather=None, weather_meta=None, profile_cache=None) -> Result
    Simulate one scenario, loading its weather when not given
    (:func:`energysim.simulate.run_scenario`).
run_sweep(spec, out_dir=None, *, base_dir=None, **options) -> pandas.DataFrame
    Run a sweep given as a file or a dict; the points table
    (:func:`energysim.sweep.run.sweep_points`).
read_result(folder) -> Result
    Read a result folder written by ``energysim run`` (:mod:`energysim.results`).
compare(results, years=None) -> pandas.DataFrame
    Compare results side by side (:mod:`energysim.comparison`).
"""

import importlib
import logging

logging.getLogger("energysim").addHandler(logging.NullHandler())

#: Public name -> the module that defines it, imported on first access.
_LAZY = {
    "load_scenario": "energysim.scenario",
    "Scenario": "energysim.scenario",
    "run_scenario": "energysim.simulate",
    "read_result": "energysim.results",
    "compare": "energysim.comparison",
    "run_sweep": ("energysim.sweep.run", "sweep_points"),
}

__all__ = ["__version__", *_LAZY]


def _installed_version():
    # importlib.metadata costs 30-60 ms to import: paid only by those who ask.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("energysim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+unknown"


def __getattr__(name):
    """Import a public function (or read ``__version__``) on first use (PEP 562)."""
    if name == "__version__":
        globals()[name] = value = _installed_version()
        return value
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'energysim' has no attribute {name!r}")
    module, attribute = target if isinstance(target, tuple) else (target, name)
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_LAZY, "__version__"})
