"""Running chunks of points: the worker function, a local process pool and Dask.

Owns the :class:`Context` sent once to each worker, the :class:`ChunkTask` unit of work,
:func:`run_chunk` and the per-process worker state, and the two executors: a local
``forkserver`` process pool started ahead of the work (:class:`LocalPool`,
:func:`run_local`) and a Dask cluster (:func:`run_dask`). Everything submitted to a pool or to Dask is a top-level function of
this module, so workers import it as ``energysim.sweep.executors.<function>``. Imports only
``errors``, ``kernels`` (to share the cores out among workers) and ``simulate`` (inside
:func:`run_chunk`) from energysim,
:mod:`energysim.sweep.spec`, :mod:`energysim.sweep.design`, :mod:`energysim.sweep.kpis` and
:mod:`energysim.sweep.numbers` (the vectorised chunks)
from the package, and ``dask``/``distributed`` only inside :func:`run_dask`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import tempfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from energysim.errors import EnergysimError
from energysim.sweep.design import PointBuilder
from energysim.sweep.kpis import annual_frame, kpi_columns, parameter_columns
from energysim.sweep.numbers import chunk_kpis
from energysim.sweep.spec import SweepSpec

#: A worker process costs a few seconds to start (imports, compiled-kernel load) and a
#: point about a millisecond: fewer points than this per worker use fewer workers. [points]
MIN_POINTS_PER_WORKER = 2000
#: The same on the vectorised path (:mod:`energysim.sweep.numbers`), where a point costs
#: ~50 us and one process already runs the kernel on every core: measured on 2 cores
#: (2026-12-02), 2 workers were 0.7x one at 10,000 points, even at 50,000 and 1.1-1.2x
#: at 200,000. [points]
VECTORISED_MIN_POINTS_PER_WORKER = 50_000
#: Time a ``--dask-local`` worker is given to exit at the end of a run. [s]
LOCAL_WORKER_CLOSE_S = 30.0


# --------------------------------------------------------------------------- running chunks

@dataclass(frozen=True, eq=False)
class Context:
    """Everything a worker needs, sent once per worker.

    Attributes
    ----------
    spec : SweepSpec
    weather : pandas.DataFrame
        The canonical weather year all points share.
    weather_meta : dict
    profiles : dict of str to ndarray
        Every distinct per-unit profile of the sweep, by ``simulate.profile_key``. [MW/MW]
    techs : tuple of str
    full_annual : bool
        Also return each point's annual table.
    token : str
        Unique per run; workers keep one prepared state per token.
    plan : energysim.sweep.numbers.Plan or None
        The vectorised path's plan (None: a scenario per point).
    """

    spec: SweepSpec
    weather: pd.DataFrame
    weather_meta: dict
    profiles: dict
    techs: tuple
    full_annual: bool
    token: str
    plan: object = None


@dataclass(frozen=True)
class ChunkTask:
    """One chunk: points ``start .. start + len(codes) - 1``."""

    chunk_id: int
    start: int
    codes: np.ndarray
    tags: tuple


@dataclass
class WorkerState:
    """What one process keeps between the chunks of one sweep.

    Attributes
    ----------
    token : str
        The sweep's :attr:`Context.token`.
    builder : PointBuilder
        Validated tables, reused point after point.
    memo : energysim.simulate.SimulationMemo
        The sweep's profiles (from the context) and capacity paths.
    representatives : dict
        The vectorised path's validated scenario of each structural combination met,
        by :func:`energysim.sweep.numbers.combination_keys` (None: the combination goes
        point by point).
    """

    token: str
    builder: object
    memo: object
    representatives: dict = field(default_factory=dict)

    @classmethod
    def for_context(cls, context, builder=None):
        """A fresh state for ``context`` (``builder`` reused if given)."""
        from energysim.simulate import SimulationMemo

        return cls(token=context.token, builder=builder or PointBuilder(context.spec),
                   memo=SimulationMemo(context.profiles))


# A worker process (pool or Dask) runs chunk after chunk of one sweep: it builds its state
# on the first chunk of a sweep and keeps it (one sweep at a time per process).
_PROCESS_STATE = {}


def _process_state(context):
    state = _PROCESS_STATE.get("state")
    if state is None or state.token != context.token:
        state = _PROCESS_STATE["state"] = WorkerState.for_context(context)
    return state


def run_chunk(context, task, state=None):
    """Simulate one chunk of points; the unit of work on every executor.

    Parameters
    ----------
    context : Context
    task : ChunkTask
    state : WorkerState, optional
        Validated tables and profiles to reuse; default: this process's state for the
        context's sweep (built on its first chunk).

    Returns
    -------
    tuple
        ``(chunk_id, points_frame, annual_frame or None)``.
    """
    from energysim.simulate import simulate_batch

    if state is None:
        state = _process_state(context)
    spec = context.spec
    if context.plan is not None and not context.full_annual:
        columns = {"point": np.arange(task.start, task.start + len(task.tags), dtype=np.int64),
                   "tag": np.asarray(task.tags, dtype=object)}
        columns.update(parameter_columns(spec.parameters, task.codes))
        columns.update(chunk_kpis(spec, context.plan, context.techs, task.codes, task.tags,
                                  task.start, context.weather, context.weather_meta, state))
        return task.chunk_id, pd.DataFrame(columns), None
    builder = state.builder
    indices = range(task.start, task.start + len(task.tags))
    scenarios = [builder.scenario(i, row, tag)
                 for i, row, tag in zip(indices, task.codes, task.tags)]
    arrays = simulate_batch(scenarios, context.weather, context.weather_meta, memo=state.memo)
    columns = {"point": np.arange(task.start, task.start + len(task.tags), dtype=np.int64),
               "tag": np.asarray(task.tags, dtype=object)}
    columns.update(parameter_columns(spec.parameters, task.codes))
    columns.update(kpi_columns(arrays, [[f.technology for f in s.fleets] for s in scenarios],
                               spec.kpi_years, context.techs))
    frame = pd.DataFrame(columns)
    annual = (annual_frame(list(indices), task.tags, scenarios, arrays)
              if context.full_annual else None)
    return task.chunk_id, frame, annual


def numba_threads_per_worker(workers, cpus=None):
    """numba threads each of ``workers`` processes should use on ``cpus`` cores. [int]

    The kernels run their scenarios on numba threads, by default one per core in every
    process: ``workers`` processes would then run ``workers x cores`` threads on
    ``cores`` cores, and each kernel call would wait for its slowest thread while the
    other process holds the core. The cores are shared out instead.

    Examples
    --------
    >>> numba_threads_per_worker(2, cpus=2), numba_threads_per_worker(2, cpus=8)
    (1, 4)
    >>> numba_threads_per_worker(3, cpus=2)
    1
    """
    import os

    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, cpus // max(workers, 1))


def _set_numba_threads(n_threads):
    if n_threads:
        from energysim import kernels

        kernels.set_threads(n_threads)


def _pool_init(n_threads=0):
    _set_numba_threads(n_threads)
    # Ctrl-C is the parent's to handle: it stops submitting, and workers end after their
    # current chunk instead of each printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Load the compiled kernels now, while the parent loads the weather and the profiles.
    from energysim import kernels

    kernels.annual_energy([[0.5, 0.5]], [[[10.0]]], [[4.0]], [[0.5]], [[1.0, 1.0]])


def _pool_ready():
    return os.getpid()


def _pool_task(context_path, token, task):
    context = _PROCESS_STATE.get("context")
    if context is None or context.token != token:  # the first chunk of a sweep: read it once
        with open(context_path, "rb") as stream:
            context = _PROCESS_STATE["context"] = pickle.load(stream)
    return run_chunk(context, task)


def _dask_task(context, task, n_threads=0):
    # numba's thread count is per calling thread: set on the Dask thread running the task.
    _set_numba_threads(n_threads)
    return run_chunk(context, task)


def effective_workers(n_points, n_tasks, workers, min_points_per_worker=MIN_POINTS_PER_WORKER):
    """Local worker processes worth starting for ``n_points`` in ``n_tasks`` chunks. [int]

    Examples
    --------
    >>> effective_workers(1000, 4, 8), effective_workers(10_000, 40, 2)
    (1, 2)
    >>> effective_workers(10_000, 3, 8)
    3
    """
    return max(1, min(workers, n_tasks, n_points // max(min_points_per_worker, 1)))


class LocalPool:
    """Local worker processes for the chunks of one sweep, started before the work is known.

    A worker takes about a second to start (the ``forkserver`` imports the simulation
    stack once, each worker forks from it and loads the compiled kernels): a pool started
    first does that while this process loads the weather and computes the profiles.
    Workers are started with ``forkserver`` (never a bare ``fork`` of a process that may
    already run numba's threads, which aborts the child) and share the cores out
    (:func:`numba_threads_per_worker`). The context of a run goes to the workers through
    one temporary file, pickled once and read once by each worker.

    Parameters
    ----------
    workers : int
        Worker processes (at least 2; one runs in this process, without a pool).
    """

    def __init__(self, workers):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if "forkserver" in multiprocessing.get_all_start_methods():
            mp_context = multiprocessing.get_context("forkserver")
            # The server imports the simulation stack once; each worker forks from it ready.
            mp_context.set_forkserver_preload(["energysim.sweep", "energysim.simulate"])
        else:  # pragma: no cover - Windows, macOS without forkserver
            mp_context = multiprocessing.get_context("spawn")
        self.workers = int(workers)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp_context,
                                         initializer=_pool_init,
                                         initargs=(numba_threads_per_worker(self.workers),))
        # Processes start with the first submission: submit now, so they start now.
        self._ready = [self._pool.submit(_pool_ready) for _ in range(self.workers)]

    def run(self, context, tasks, on_result):
        """Run chunk tasks on the workers; ``on_result`` gets each result, as they complete.

        Raises
        ------
        BaseException
            Whatever a chunk or ``on_result`` raised, or KeyboardInterrupt: the pool is then
            stopped after the chunks being computed (their results are dropped and
            recomputed on --resume; completed ones are already on disk).
        """
        from concurrent.futures import FIRST_COMPLETED, wait

        descriptor, path = tempfile.mkstemp(prefix="energysim-sweep-", suffix=".pickle")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                pickle.dump(context, stream, protocol=pickle.HIGHEST_PROTOCOL)
            pending = {self._pool.submit(_pool_task, path, context.token, task)
                       for task in tasks}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    on_result(future.result())
        except BaseException:
            self.close(cancel=True)
            raise
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def close(self, cancel=False):
        """Stop the workers: after all their work, or with ``cancel`` after their current chunks.

        ``cancel`` drops the chunks not yet started and waits for the few being computed
        (at most one per worker and one queued; their results are dropped and --resume
        recomputes them). Workers are not killed mid-chunk: a worker killed while it sends
        its result leaves half a message in the pipe all workers share, and the executor's
        thread then waits for the rest forever, so the command never exits (seen once when
        a 1,000,000-point sweep was interrupted). A second Ctrl-C while waiting kills them.
        """
        if not cancel:
            self._pool.shutdown(wait=True)
            return
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        except KeyboardInterrupt:
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
            raise


def run_local(context, tasks, workers, on_result, min_points_per_worker=MIN_POINTS_PER_WORKER,
              state=None, pool=None):
    """Run chunk tasks in this process or in a pool of worker processes.

    Parameters
    ----------
    context : Context
    tasks : sequence of ChunkTask
    workers : int
        At most this many processes; 1 runs in this process.
    on_result : callable
        Called in this process with each ``run_chunk`` result, as chunks complete.
    min_points_per_worker : int
        Use no more workers than ``points / min_points_per_worker`` (at least one), since
        starting a worker costs more than a small sweep.
    state : WorkerState, optional
        For chunks run in this process (e.g. with the tables the caller validated).
    pool : LocalPool, optional
        Workers already started (used whatever the rule above says; the caller closes
        it); default: a pool started here and closed at the end.
    """
    if not tasks:
        return
    workers = effective_workers(sum(len(task.tags) for task in tasks), len(tasks), workers,
                                min_points_per_worker)
    if pool is None and workers <= 1:
        state = state or WorkerState.for_context(context)
        for task in tasks:
            on_result(run_chunk(context, task, state))
        return
    own = pool is None
    pool = pool or LocalPool(workers)
    pool.run(context, tasks, on_result)
    if own:
        pool.close()


def run_dask(context, tasks, on_result, scheduler=None, dask_local=None):
    """Run chunk tasks on a Dask distributed cluster.

    The context (with every profile) is scattered to all workers once
    (``broadcast=True``); each task names it. Dask reschedules the tasks of a worker that
    dies; the results come back here, one per chunk, and the chunk store writes each chunk
    id once.

    Parameters
    ----------
    context : Context
    tasks : sequence of ChunkTask
    on_result : callable
        Called with each ``run_chunk`` result as chunks complete.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:port``).
    dask_local : int, optional
        Start a ``LocalCluster`` of this many single-threaded worker processes on the
        loopback interface instead.
    """
    if not tasks:
        return
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as err:  # pragma: no cover - distributed is a test dependency
        raise EnergysimError("--scheduler/--dask-local need dask.distributed: "
                            "pip install 'energysim[distributed]'") from err
    cluster = None
    client = None
    try:
        if dask_local:
            # The scheduler's HTTP server on a free port (":8787", the default, warns when
            # another cluster holds it). Our own workers log nothing: a failed chunk reaches this process through its
            # future, a lost worker through the nanny's warning here. Their logging would
            # add only shutdown noise: a worker slow to exit on a busy machine logs a
            # CommClosedError traceback when its heartbeat meets the closed scheduler.
            cluster = LocalCluster(n_workers=int(dask_local), threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=":0",
                                   silence_logs=logging.CRITICAL)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="20s")
            except OSError as err:
                raise EnergysimError(f"--scheduler {scheduler}: cannot connect: {err}") from None
        shared = client.scatter(context, broadcast=True, hash=False)
        # A local cluster shares this machine's cores among its workers; a remote
        # scheduler's workers keep numba's default (their machines are not known here).
        n_threads = numba_threads_per_worker(int(dask_local)) if dask_local else 0
        futures = [client.submit(_dask_task, shared, task, n_threads, pure=False,
                                 key=f"energysim-sweep-{context.token}-{task.chunk_id:05d}")
                   for task in tasks]
        for future in as_completed(futures):
            on_result(future.result())
            future.release()
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            # Close the workers first, giving each time to exit: the default (4 s, then a
            # kill and a warning) is short for a worker that ran numba's parallel kernels
            # on a busy machine.
            for nanny in list(cluster.workers.values()):
                with contextlib.suppress(Exception):
                    cluster.sync(nanny.close, timeout=LOCAL_WORKER_CLOSE_S)
            cluster.close()
