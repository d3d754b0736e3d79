"""Helpers shared by the robustness tests: run the command line and judge its error line.

The real command line runs either in-process (click's ``CliRunner``: fast, for the large
bad-input corpus) or as a subprocess (for exit statuses, signals, resource limits and
everything a real process does differently). Subprocesses get their own profile-cache
folder under the test's ``tmp_path`` through ``ENERGYSIM_CACHE_DIR``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from energysim.cli import main

#: Exit status of a user error and of an output that cannot be written (energysim.cli.common).
EXIT_USER = 2
EXIT_OUTPUT = 1


def cli_command():
    """The argv prefix that runs the energysim command line in a fresh interpreter. [list]

    ``python -m energysim.cli`` rather than the ``energysim`` script: it needs no path and
    works wherever energysim is importable.
    """
    return [sys.executable, "-m", "energysim.cli"]


def subprocess_env(tmp_path, **extra):
    """The environment of a subprocess: a private profile cache, no GUI backend. [dict]"""
    env = dict(os.environ)
    env["ENERGYSIM_CACHE_DIR"] = str(Path(tmp_path) / "profile-cache")
    env["MPLBACKEND"] = "Agg"
    env.pop("ENERGYSIM_DEBUG", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_cli(args, tmp_path, *, cwd=None, preexec_fn=None, **extra_env):
    """Run ``energysim ARGS`` in a subprocess; return the CompletedProcess (text)."""
    return subprocess.run([*cli_command(), *map(str, args)], cwd=cwd or tmp_path,
                          env=subprocess_env(tmp_path, **extra_env), capture_output=True,
                          text=True, preexec_fn=preexec_fn)


def start_cli(args, tmp_path, **extra_env):
    """Start ``energysim ARGS`` in a subprocess without waiting. [Popen]"""
    return subprocess.Popen([*cli_command(), *map(str, args)], cwd=tmp_path,
                            env=subprocess_env(tmp_path, **extra_env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def invoke(args):
    """Run ``energysim ARGS`` in-process with click's runner; return (code, stderr, exc)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stderr, result.exception


def error_lines(stderr):
    """The non-empty lines of ``stderr``. [list of str]"""
    return [line for line in stderr.splitlines() if line.strip()]


def assert_one_line_error(code, stderr, fragments, expected_code=EXIT_USER, exception=None):
    """A user-facing failure: the exit status, one ``error:`` line naming ``fragments``.

    A fragment may be a tuple of alternatives (wordings a fix may legitimately change).

    ``exception`` is what ``CliRunner`` caught: anything but ``SystemExit`` means an
    exception escaped the command (a bug: it would print a traceback).
    """
    assert exception is None or isinstance(exception, SystemExit), (
        f"an exception escaped the command (a traceback for the user): {exception!r}")
    assert "Traceback" not in stderr, stderr
    assert code == expected_code, f"exit status {code}, expected {expected_code}: {stderr}"
    lines = error_lines(stderr)
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    line = lines[0]
    assert line.startswith("error: "), line
    # A fragment given as a tuple is satisfied by any one of its alternatives.
    missing = [f for f in fragments
               if not any(alt in line for alt in (f if isinstance(f, tuple) else (f,)))]
    assert not missing, f"the error line does not name {missing}: {line}"
    return line
