"""The figures of ``energysim run``, drawn in a child process while the parent simulates.

Owns that child process; imports ``plotting`` (in the child) and ``errors``.

A second ``energysim run`` of a scenario spends about as long on its three PNG figures
(importing matplotlib, loading the CJK font, drawing) as on everything else (importing
numba and pandas, loading the cached kernels, simulating, writing the tables). On Linux
the figures therefore get their own process, forked once the parent has imported pandas
and numba (so the child shares them instead of importing them again) and before the
first kernel call: it imports matplotlib and draws a small text
(:func:`energysim.plotting.prepare`) while the parent simulates, then receives each
result's small tables (``annual``, ``totals``, ``summary``; not the hourly year) and
sends back the PNG images as bytes. The parent writes them into the result folder it is
staging, so the images are the bytes an in-process drawing gives, the folder appears
whole or not at all, and a failed drawing leaves nothing behind: it becomes one
:class:`~energysim.errors.OutputError` line (exit 1; ``--debug`` shows the child's
traceback). Where ``fork`` is not available (macOS, Windows) the figures are drawn in
the parent, as before.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import multiprocessing
import sys
import traceback

from energysim.errors import OutputError

logger = logging.getLogger(__name__)


def fork_available():
    """Whether the figure process can be forked here (Linux only). [bool]"""
    return (sys.platform.startswith("linux")
            and "fork" in multiprocessing.get_all_start_methods())


class ChildTraceback(Exception):
    """The traceback of a failure in the figure process, kept as the ``__cause__``."""

    def __str__(self):
        return self.args[0]


class FigureProcess:
    """A forked child that draws the run figures (see the module docstring).

    Start it before numba's first kernel call (its threads must not exist when the
    process forks); :meth:`submit` one result at a time and
    :meth:`receive` its images before submitting the next; :meth:`close` it (it is also
    a context manager). Use it only where :func:`fork_available`.
    """

    def __init__(self):
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, self._conn),
                                        name="energysim-figures", daemon=True)
        self._process.start()
        child_end.close()
        self._pending = None

    @property
    def pid(self):
        """The child's process id. [int]"""
        return self._process.pid

    def submit(self, result, units):
        """Send ``result``'s tables to be drawn in ``units`` ("cn" or "si")."""
        if self._pending is not None:
            raise RuntimeError("receive the figures of the previous result first")
        tables = dataclasses.replace(result, hourly={}, metadata={})
        try:
            self._conn.send((tables, units))
        except OSError as err:  # the child is gone: receive() says so
            logger.debug("figure process: send failed: %s", err)
        self._pending = result.name

    def receive(self):
        """The images of the submitted result: ``[(file name, bytes), ...]``.

        Raises
        ------
        OutputError
            If the drawing failed (the child's traceback is the ``__cause__``) or the
            child ended without sending them. :func:`energysim.results.write_result`, which
            calls this while staging the folder, names the folder in front of the message.
        """
        self._pending = None
        try:
            status, payload = self._conn.recv()
        except (EOFError, OSError):
            self._process.join(timeout=5)
            raise OutputError(f"the figure process ended without drawing the figures (exit "
                              f"code {self._process.exitcode}); --no-plots skips them") from None
        if status == "error":
            message, trace = payload
            raise OutputError(f"the figures could not be drawn: {message}") \
                from ChildTraceback(trace)
        return payload

    def close(self):
        """Stop the child: at once if it still works, else after it has read the stop."""
        if self._conn.closed:
            return
        if self._pending is not None or not self._process.is_alive():
            self._process.terminate()
        else:
            try:
                self._conn.send(None)
            except OSError:
                self._process.terminate()
        self._process.join(timeout=5)
        if self._process.is_alive():  # pragma: no cover - a child that ignores the stop
            self._process.kill()
            self._process.join()
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _serve(conn, parent_end):
    # The child: warm up, then draw what arrives until None (or the pipe closes). A failure
    # (in the warm-up too) is sent back as the answer to the next result, never printed.
    # The collector stays paused: the imports make long-lived objects only (frozen after
    # the warm-up), and a result's figures are garbage only once drawn; it is collected
    # before the next result is drawn (0.1 s of 0.6 s of drawing saved per result).
    parent_end.close()  # the parent's end, inherited by the fork
    gc.disable()
    failure = None
    drawn = 0
    try:
        try:
            import pandas  # noqa: F401 - the tables arrive as pandas frames

            from energysim import plotting

            plotting.prepare()
        except Exception as err:
            failure = _described(err)
        gc.freeze()
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            if job is None:
                return
            if failure is not None:
                conn.send(("error", failure))
                continue
            if drawn:
                gc.collect()
            drawn += 1
            tables, units = job
            try:
                images = plotting.figure_pngs(tables, units=units)
            except Exception as err:
                conn.send(("error", _described(err)))
            else:
                conn.send(("ok", images))
    except KeyboardInterrupt:
        return
    finally:
        conn.close()


def _described(err):
    # One line for the parent's message, and the traceback for --debug.
    return f"{type(err).__name__}: {err}", traceback.format_exc()
