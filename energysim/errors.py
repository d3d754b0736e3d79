"""Exception and warning classes of energysim.

Owns the error tree every layer raises; imports nothing from energysim. Each error that a
user can cause carries a message of the form ``<where>: <what was given>: <what is allowed>``
so the command line can print it as one line.
"""


class EnergysimError(Exception):
    """Base of every error energysim raises on purpose."""


class ScenarioError(EnergysimError, ValueError):
    """A scenario or sweep file is malformed or asks for something not allowed."""


class WeatherDataError(EnergysimError, ValueError):
    """A weather source cannot be read, or its data fail a check with no safe repair."""


class UnitError(EnergysimError, ValueError):
    """A quantity is given in a unit energysim does not know or cannot convert."""


class ObservedDataError(EnergysimError, ValueError):
    """A file of observed output (for a calibration) is malformed or does not fit its scenario."""


class OutputExistsError(EnergysimError, FileExistsError):
    """An output already exists and overwriting it was not asked for."""


class OutputError(EnergysimError, OSError):
    """An output cannot be written (permissions, full disk, concurrent writer)."""


class EnergysimWarning(UserWarning):
    """A default was applied or a repair was made; recorded in the result's metadata too."""
