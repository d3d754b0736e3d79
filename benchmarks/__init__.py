"""energysim benchmarks: ``python -m benchmarks [--quick] [--only NAME ...]``.

Six targets (issues 6, 12 and 16), one module each, and one benchmark without a target;
every figure is printed next to a reference timed in the same run (absolute times on a
shared machine drift, ratios hold) and its target, with MET / NOT MET:

``kernel``
    1. 10,000 scenarios x 40 years x 8,760 h x 2 fleets through the curtailment kernels
       with a binding hourly export limit and an hourly emission-factor shape: time after
       JIT warm-up (<= 5 s) and peak memory (<= 1 GB), against plain numpy and a streaming
       multiply-add over the same number of values (cache-resident and DRAM).
``end_to_end``
    2. A 10,000-point sweep from a sweep file (weather, physics of the distinct
       configurations, chunks and their files included) against the naive loop that reruns
       pvlib's and windpowerlib's ModelChain for every scenario-year (>= 10,000x).
``cli``
    3. ``energysim run scenarios/shaoguan-potential.toml`` a second time (<= 3 s) and
       ``energysim --help`` (<= 0.5 s), with a phase breakdown and ``-X importtime``.
``growth``
    4. Kernel time and memory at 100, 1,000 and 10,000 scenarios, and chunks of scenarios
       on a Dask ``LocalCluster`` of 1 and 2 workers.
``dispatch``
    5. The same 10,000 x 40 x 8,760 problem through the dispatch kernel with one storage
       and one electrolyser (issue 12): at most 5x the time of today's kernel on the same
       scenarios, and against the latency bound of the state-of-charge chain.
``ensemble``
    (issue 11, no target) ``--weather-years 20`` on the shipped potential scenario against
    one new weather year: generation, physics and run, cold and with profiles memoised.
``app``
    6. The what-if page's server recompute of a 40-year scenario change with the per-unit
       profiles in memory (issue 16): at most 100 ms.

``design``
    7. The physics of new plant designs (issue 15): distinct PV designs in batches of 100
       against PySAM's PVWatts v8 in the same run (<= 20 ms and >= 5x faster), wind designs
       (<= 5 ms), the cost per design as the batch grows, and a cold 1,000-point LHS design
       sweep (<= 60 s).

``big_sweep`` (only with ``--big``, or ``--only big_sweep``)
    2c. A 1,000,000-point sweep (40 million scenario-years) on 2 worker processes,
    interrupted with Ctrl-C and completed with ``--resume``: <= 5 min, <= 2 GB peak
    memory of the command and its workers, each point once and equal to the per-point
    path (issue 13).
``second_core`` (only with ``--big``, or ``--only second_core``)
    2d. ``energysim sweep`` on a 200,000-point sweep restricted to one core (CPU affinity,
    ``NUMBA_NUM_THREADS=1``) and on all cores with 1, the default and 2 worker processes:
    the default >= 1.6x faster than one core, and the same points on every run (issue 13).

``--quick`` runs tiny sizes only: it checks that the benchmarks still run, never that they
are fast (targets are then reported as "not judged"). Nothing here is imported by the
package or by the unit tests except through ``python -m benchmarks --quick``.
"""

MODULES = ("kernel", "end_to_end", "cli", "growth", "dispatch", "ensemble", "app", "design")
#: Benchmarks that take minutes: run with ``--big`` (or named in ``--only``).
BIG_MODULES = ("big_sweep", "second_core")
