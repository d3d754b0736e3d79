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


#: Longest library message kept in :func:`describe_exception`. [characters]
MAX_LIBRARY_MESSAGE_CHARS = 300


def one_line(text, limit=None):
    """``text`` on one line: line breaks and the blanks around them folded to one space.

    Parameters
    ----------
    text : str
        Any message, e.g. a library's, which may hold newlines.
    limit : int, optional
        Longest result; a longer text is cut and ends with ``…``. [characters]

    Returns
    -------
    str

    Examples
    --------
    >>> one_line("Expected 9 fields\\n  saw 12\\n")
    'Expected 9 fields saw 12'
    >>> one_line("abcdef", limit=4)
    'abc…'
    """
    folded = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    if limit is not None and len(folded) > limit:
        folded = folded[:max(limit - 1, 0)].rstrip() + "…"
    return folded


def describe_exception(exc):
    """A library's exception as one bounded line that names its type. [str]

    Used wherever energysim wraps an exception it did not raise itself (pandas, pvlib,
    tomllib), so the user's one error line says what the library said, e.g.
    ``ParserError: Error tokenizing data. C error: Expected 9 fields in line 50, saw 12``.

    Examples
    --------
    >>> describe_exception(ValueError("bad\\nvalue"))
    'ValueError: bad value'
    """
    return f"{type(exc).__name__}: {one_line(exc, MAX_LIBRARY_MESSAGE_CHARS)}"
