"""The import layers of STYLE.md §1, checked by parsing every module with ast."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "energysim"

# module -> energysim modules it may import (the layer list, bottom first)
ORDER = ["errors", "atomic", "units", "timeutils", "kernels", "weather", "physics", "fleet", "carbon",
         "scenario", "results", "simulate", "cache", "sweep", "regress", "plotting", "comparison", "report", "cli"]
HEAVY = {"pvlib": {"weather", "physics"}, "windpowerlib": {"physics"}, "numba": {"kernels"},
         "matplotlib": {"plotting", "report"}, "click": {"cli"},
         "jinja2": {"report"}}


# Upward imports allowed inside one function body only, each with its reason.
DEFERRED = {
    ("results", "plotting"): "Result.write(figures=True) draws the standard figures; the "
                             "import sits in that method, so reading results never loads "
                             "matplotlib",
}


def _layer(path):
    rel = path.relative_to(PACKAGE).with_suffix("")
    # the package's own __init__ / __main__ sit outside the layers (__main__ starts the cli)
    return rel.parts[0] if rel.parts[0] not in ("__init__", "__main__") else "__init__"


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            if node.module == "energysim":
                for alias in node.names:
                    yield f"energysim.{alias.name}"


def test_imports_point_down_the_layers():
    problems = []
    for path in PACKAGE.rglob("*.py"):
        layer = _layer(path)
        if layer == "__init__":
            continue
        assert layer in ORDER, f"{path}: module not in the layer list of tests/test_layers.py"
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "energysim" and len(parts) > 1 and not parts[1].startswith("__"):
                target = parts[1]
                if (target != layer and ORDER.index(target) > ORDER.index(layer)
                        and (layer, target) not in DEFERRED):
                    problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
            if parts[0] in HEAVY and layer not in HEAVY[parts[0]]:
                problems.append(f"{path.relative_to(PACKAGE)} imports {parts[0]}")
    assert not problems, "\n".join(problems)


def test_nothing_imports_cli():
    for path in PACKAGE.rglob("*.py"):
        if _layer(path) == "cli" or path.name == "__main__.py":
            continue
        assert not any(n.startswith("energysim.cli") for n in _imports(path)), path
