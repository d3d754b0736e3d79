"""Target 4: growth with the number of scenarios, and with the number of Dask workers.

* Scenarios: the kernel of target 1 at 100, 1,000 and 10,000 scenarios (40 years x
  8,760 h x 2 fleets, same seeded data), each in a fresh process for its peak memory
  (``ru_maxrss``). Linear scaling shows as a constant time per scenario.
* Workers: 10,000 scenarios in 20 chunks of 500 through ``energysim.kernels.annual_energy``
  on a ``distributed.LocalCluster(n_workers=k, threads_per_worker=1, host="127.0.0.1",
  dashboard_address=None)`` for k = 1 and 2, each task pinned to one numba thread so that
  k workers use k cores. Each chunk builds its own seeded inputs (seed = (0, chunk id)), so
  every executor computes exactly the same numbers, which the benchmark checks. Reference:
  the same chunks one after the other in the measuring process (one numba thread), timed in
  the same run. Cluster start-up and the JIT load on each worker are reported, not timed.
"""

from __future__ import annotations

import math
import time

from benchmarks._common import fmt_s, fmt_x, in_child

FULL = {"sizes": (100, 1_000, 10_000), "n_years": 40, "repeat": 3,
        "dask": {"n_scen": 10_000, "n_years": 40, "chunk": 500}}
QUICK = {"sizes": (4, 16, 40), "n_years": 3, "repeat": 1,
         "dask": {"n_scen": 40, "n_years": 3, "chunk": 10}}
#: Growth exponent of time with the number of scenarios between the two largest sizes
#: (t ~ n^k): at most linear, with room for timing noise on a shared machine. Smaller
#: sizes carry fixed costs (thread wake-up, the scenario-independent sums), so k < 1 there.
MAX_EXPONENT = 1.15


def chunk_task(chunk_id, n_scen, n_years, seed=0):
    """Run one chunk of seeded scenarios through the kernels on one numba thread. [float]"""
    import numba

    from benchmarks.kernel import make_inputs
    from energysim import kernels

    numba.set_num_threads(1)
    inputs = make_inputs(n_scen, n_years, seed=(seed, chunk_id))
    out = kernels.annual_energy(**inputs)
    return float(out["delivered_mwh"].sum())


def _cpu_s():
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _warm():
    import numba  # noqa: F401

    from energysim import kernels

    kernels.annual_energy([[0.5, 0.5]], [[[10.0]]], [[4.0]], [[0.5]], [[1.0, 1.0]])
    return True


def dask_scaling(n_scen, n_years, chunk, workers=(1, 2)):
    """Serial chunks here, then on LocalClusters of 1 and 2 workers (fresh process). [dict]"""
    import cloudpickle
    from distributed import Client, LocalCluster

    import benchmarks.growth
    import benchmarks.kernel

    # Ship this module's functions by value: workers need not find the benchmarks package.
    cloudpickle.register_pickle_by_value(benchmarks.growth)
    cloudpickle.register_pickle_by_value(benchmarks.kernel)
    n_chunks = -(-n_scen // chunk)
    sizes = [min(chunk, n_scen - i * chunk) for i in range(n_chunks)]
    _warm()
    chunk_task(0, 2, n_years)
    t0 = time.perf_counter()
    cpu0 = _cpu_s()
    serial = [chunk_task(i, n, n_years) for i, n in enumerate(sizes)]
    serial_s = time.perf_counter() - t0
    result = {"n_scen": n_scen, "n_years": n_years, "chunk": chunk, "n_chunks": n_chunks,
              "serial_s": serial_s, "serial_cores": (_cpu_s() - cpu0) / serial_s,
              "clusters": []}
    for k in workers:
        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
        try:
            client.wait_for_workers(k)
            client.run(_warm)
            client.run(chunk_task, 0, 2, n_years)  # first-call costs on every worker
            startup = time.perf_counter() - t0
            cpu0 = sum(client.run(_cpu_s).values())
            t0 = time.perf_counter()
            futures = [client.submit(chunk_task, i, n, n_years, pure=False)
                       for i, n in enumerate(sizes)]
            values = client.gather(futures)
            wall = time.perf_counter() - t0
            cores = (sum(client.run(_cpu_s).values()) - cpu0) / wall
        finally:
            client.close()
            cluster.close()
        result["clusters"].append({"workers": k, "startup_s": startup, "wall_s": wall,
                                   "cores": cores, "same_numbers": values == serial})
    return result


def run(report, quick):
    """Target 4."""
    sizes = QUICK if quick else FULL
    report.section("4. growth: scenarios (time and memory) and Dask workers")
    measured = {}
    previous = report.figures.get("kernel")
    for n in sizes["sizes"]:
        if previous and previous["n_scen"] == n and previous["n_years"] == sizes["n_years"]:
            measured[n] = previous  # the target-1 measurement, same data and process setup
        else:
            measured[n] = in_child("kernel:measure", n_scen=n, n_years=sizes["n_years"],
                                   n_hours=8760, repeat=sizes["repeat"], refs=False)
    report.figures["growth_scenarios"] = measured
    largest = max(measured)
    per_largest = measured[largest]["best_s"] / largest
    for n, r in sorted(measured.items()):
        per = r["best_s"] / n
        report.row(f"{n:>6,} scenarios", fmt_s(r["best_s"]),
                   f"{fmt_s(per)} per scenario ({per / per_largest:.2f} of the "
                   f"{largest:,}-scenario rate); peak {r['rss_peak_mb']:.0f} MiB "
                   f"({r['rss_peak_mb'] - r['rss_start_mb']:.0f} MiB above the imports)")
    middle = sorted(measured)[-2]
    exponent = math.log(measured[largest]["best_s"] / measured[middle]["best_s"]) / math.log(
        largest / middle)
    d = in_child("growth:dask_scaling", **sizes["dask"])
    report.figures["growth_dask"] = d
    report.row("serial, 1 numba thread (reference)", fmt_s(d["serial_s"]),
               f"{d['n_chunks']} chunks of {d['chunk']:,} scenarios x {d['n_years']} years; "
               f"got {d['serial_cores']:.2f} cores on average")
    walls = {}
    for c in d["clusters"]:
        walls[c["workers"]] = c["wall_s"]
        report.row(f"Dask LocalCluster, {c['workers']} worker(s)", fmt_s(c["wall_s"]),
                   f"{fmt_x(d['serial_s'] / c['wall_s'])} the serial run; the workers got "
                   f"{c['cores']:.2f} cores in total (CPU time / wall); start-up + JIT load "
                   f"{fmt_s(c['startup_s'])} (not timed); same numbers: {c['same_numbers']}")
    speedup = walls[1] / walls[2]
    cores = {c["workers"]: c["cores"] for c in d["clusters"]}
    report.judge("4a", "at most linear growth in scenarios",
                 f"time ~ n^{exponent:.2f} from {middle:,} to {largest:,} scenarios "
                 f"({fmt_s(measured[middle]['best_s'])} -> {fmt_s(measured[largest]['best_s'])}); "
                 f"peak memory {measured[sorted(measured)[0]]['rss_peak_mb']:.0f} -> "
                 f"{measured[largest]['rss_peak_mb']:.0f} MiB",
                 f"exponent <= {MAX_EXPONENT}", exponent <= MAX_EXPONENT)
    report.judge("4b", "Dask worker scaling, 1 -> 2 workers",
                 f"speed-up {speedup:.2f} (1 worker {fmt_s(walls[1])} on {cores[1]:.2f} cores, "
                 f"2 workers {fmt_s(walls[2])} on {cores[2]:.2f} cores); numbers identical "
                 "on every executor: "
                 f"{all(c['same_numbers'] for c in d['clusters'])}",
                 "informational (2 shared cores: <= 2)", None,
                 "informational: no target set; the cores are shared with other users")
