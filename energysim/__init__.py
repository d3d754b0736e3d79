"""energysim: renewable-energy potential simulator (PV and wind, build-out, avoided CO2).

Importing the package has no side effects beyond a ``NullHandler`` on the ``energysim``
logger; heavy dependencies are imported by the modules that use them. Start with
:func:`energysim.simulate.run_scenario` and :func:`energysim.scenario.load_scenario`.
"""

import logging
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("energysim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

logging.getLogger("energysim").addHandler(logging.NullHandler())

__all__ = ["__version__"]
