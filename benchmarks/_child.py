"""Run one measurement in this (fresh) process: ``python -m benchmarks._child mod:func JSON``."""

import importlib
import json
import sys

from benchmarks._common import emit


def main(argv):
    target, kwargs = argv[1], json.loads(argv[2])
    module, func = target.split(":")
    result = getattr(importlib.import_module(f"benchmarks.{module}"), func)(**kwargs)
    emit(result)


if __name__ == "__main__":
    main(sys.argv)
