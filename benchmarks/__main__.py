"""``python -m benchmarks [--quick] [--big] [--only kernel end_to_end ...] [--json PATH]``.

Prints every figure next to its reference ratio and its target, one ``TARGET <id> ...:
MET | NOT MET`` line per target, and a summary. Exits 0 whether targets are met or not (a
benchmark reports; CI only checks that it runs); exits 1 if a benchmark crashed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback

from benchmarks import BIG_MODULES, MODULES
from benchmarks._common import Report, machine


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes: check that the benchmarks run, not that they are fast")
    parser.add_argument("--big", action="store_true",
                        help="also run the big benchmarks (a 1,000,000-point sweep: minutes)")
    parser.add_argument("--only", nargs="+", choices=MODULES + BIG_MODULES,
                        default=list(MODULES), help="run only these benchmarks")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to PATH")
    args = parser.parse_args(argv)

    info = machine()
    print(f"energysim benchmarks{' (--quick)' if args.quick else ''}: {info['cpu']}, "
          f"{info['nproc']} usable CPUs, load average {info['load_avg_1_5_15']}, Python "
          f"{info['python']}, numpy {info['numpy']}, numba {info['numba']} "
          f"({info['numba_threads']} threads)", flush=True)
    report = Report(quick=args.quick)
    report.figures["machine"] = info
    crashed = []
    t0 = time.perf_counter()
    selected = [*args.only, *(BIG_MODULES if args.big else ())]
    for name in MODULES + BIG_MODULES:
        if name not in selected:
            continue
        try:
            importlib.import_module(f"benchmarks.{name}").run(report, args.quick)
        except Exception:  # report, keep going with the other benchmarks
            crashed.append(name)
            traceback.print_exc()
            print(f"BENCHMARK {name} CRASHED", flush=True)
    print(f"\n=== summary ({time.perf_counter() - t0:.0f} s; load average now "
          f"{machine()['load_avg_1_5_15']}) ===")
    for target in report.targets:
        print(target.line())
    if args.json:
        report.figures["targets"] = [t.__dict__ for t in report.targets]
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump(report.figures, stream, indent=1, default=str)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
