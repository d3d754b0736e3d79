"""Progress on a terminal: one line on stderr, rewritten in place (done/total, rate, time left).

Owns the rendering of the library's ``on_progress(done, total)`` callbacks; imports nothing
from energysim. The line is drawn only when the stream is a terminal: redirected to a file
or a pipe (CI, ``2> log``), nothing of it is written. The formatting is a pure function,
:func:`format_progress`, so that it can be tested on its own.
"""

from __future__ import annotations

import sys
import time

#: Redraw at most this often, except for the last update. [s]
MIN_REDRAW_S = 0.1


def format_duration(seconds):
    """A duration as ``m:ss`` or ``h:mm:ss``. [str]

    Examples
    --------
    >>> format_duration(9.4), format_duration(75), format_duration(3725)
    ('0:09', '1:15', '1:02:05')
    """
    seconds = int(round(max(0.0, seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_progress(label, done, total, elapsed_s):
    """The progress line: ``label done/total (pct), rate, time left``. [str]

    Parameters
    ----------
    label : str
        What is counted (``points``, ``scenarios``).
    done, total : int
        Items done and items in all.
    elapsed_s : float
        Time since the first item started. [s]

    Examples
    --------
    >>> format_progress("points", 250, 1000, 5.0)
    'points 250/1,000 (25%)  50.0/s  0:15 left'
    >>> format_progress("scenarios", 0, 3, 0.2)
    'scenarios 0/3 (0%)'
    >>> format_progress("scenarios", 3, 3, 12.0)
    'scenarios 3/3 (100%)  0.25/s  done in 0:12'
    """
    pct = 100.0 * done / total if total else 100.0
    line = f"{label} {done:,}/{total:,} ({pct:.0f}%)"
    if done <= 0 or elapsed_s <= 0:
        return line
    rate = done / elapsed_s
    line += f"  {rate:.3g}/s" if rate < 10 else f"  {rate:,.1f}/s"
    if done >= total:
        return line + f"  done in {format_duration(elapsed_s)}"
    return line + f"  {format_duration((total - done) / rate)} left"


class TerminalProgress:
    """An ``on_progress(done, total)`` callback that draws :func:`format_progress` in place.

    Parameters
    ----------
    label : str
        What is counted.
    stream : file, optional
        Default ``sys.stderr``.
    enabled : bool, optional
        Default: whether ``stream`` is a terminal.
    clock : callable, optional
        Seconds, monotonic (default ``time.perf_counter``).
    """

    def __init__(self, label, stream=None, enabled=None, clock=time.perf_counter):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.clock = clock
        self.start = clock()
        self.last_draw = None
        self.width = 0

    def __call__(self, done, total):
        if not self.enabled:
            return
        now = self.clock()
        if (self.last_draw is not None and done < total
                and now - self.last_draw < MIN_REDRAW_S):
            return
        self.last_draw = now
        line = format_progress(self.label, done, total, now - self.start)
        # \r back to the line's start; pad over a longer previous line.
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self):
        """End the line (if one was drawn), so later output starts on its own line."""
        if self.enabled and self.width:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0
