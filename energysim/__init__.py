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
read_result(folder) -> Result
    Read a result folder written by ``energysim run`` (:mod:`energysim.results`).
compare(results, years=None) -> pandas.DataFrame
    Compare results side by side (:mod:`energysim.comparison`).
"""

import importlib
import logging
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("energysim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

logging.getLogger("energysim").addHandler(logging.NullHandler())

#: Public name -> the module that defines it, imported on first access.
_LAZY = {
    "load_scenario": "energysim.scenario",
    "Scenario": "energysim.scenario",
    "run_scenario": "energysim.simulate",
    "read_result": "energysim.results",
    "compare": "energysim.comparison",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    """Import a public function on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'energysim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})
