"""The import layers of STYLE.md §1, checked by parsing every module with ast."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "energysim"

# module -> energysim modules it may import (the layer list, bottom first)
ORDER = ["errors", "atomic", "units", "timeutils", "turbines", "kernels", "weather", "physics",
         "fleet", "carbon", "scenario_paths", "scenario", "results", "simulate", "cache",
         "calibrate", "ensemble", "sweep", "regress", "plotting", "comparison", "report", "app",
         "cli"]
HEAVY = {"pvlib": {"weather", "physics"}, "windpowerlib": {"physics"}, "numba": {"kernels"},
         "matplotlib": {"plotting", "report"}, "click": {"cli"},
         "jinja2": {"report"}, "starlette": {"app"}, "uvicorn": {"cli"}}


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


def test_scenario_loads_no_physics_pandas_numba_matplotlib_or_windpowerlib():
    """Loading and validating a scenario (turbine name check included) stays lean."""
    import subprocess
    import sys

    root = PACKAGE.parent
    code = ("import sys; from energysim.scenario import load_scenario; "
            f"s = load_scenario({str(root / 'scenarios' / 'shaoguan-potential.toml')!r}); "
            "assert s.wind and s.wind[0].turbine; "
            "heavy = ('numba', 'pandas', 'matplotlib', 'windpowerlib', 'pvlib', "
            "'energysim.physics', 'energysim.weather', 'energysim.kernels'); "
            "print(','.join(sorted(m for m in heavy if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_physics_fields_are_the_physics_calls_keyword_arguments():
    """One list per technology gives the cache key and the call: each is a real keyword."""
    import inspect

    from energysim.physics.solar import pv_profile_pu
    from energysim.physics.wind import wind_profile_pu
    from energysim.scenario import PVFleet, WindFleet

    pv = inspect.signature(pv_profile_pu).parameters
    assert all(pv[k].kind is inspect.Parameter.KEYWORD_ONLY for k in PVFleet.PHYSICS_FIELDS)
    wind = inspect.signature(wind_profile_pu).parameters
    # power_curve is passed as the call's `turbine` (a table instead of a name)
    assert all(wind[k].kind is inspect.Parameter.KEYWORD_ONLY
               for k in WindFleet.PHYSICS_FIELDS if k != "power_curve")
    fleet = PVFleet(name="a", capacity_mw=1.0)
    assert set(fleet.physics_kwargs()) == set(PVFleet.PHYSICS_FIELDS)
    assert set(fleet.physics_key()) == {"technology", *PVFleet.PHYSICS_FIELDS}


def test_turbine_list_read_without_windpowerlib_is_windpowerlibs():
    import windpowerlib

    from energysim.turbines import turbine_names

    types = windpowerlib.get_turbine_types(print_out=False)
    expected = sorted(str(t) for t in types.loc[types["has_power_curve"].astype(bool),
                                                "turbine_type"])
    assert turbine_names() == expected and len(expected) > 50


def _private_uses(path):
    """``from energysim.x import _name`` and ``x._name`` on an imported energysim module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()  # local names bound to energysim modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "energysim":
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    yield f"from {node.module} import {alias.name}"
                else:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "energysim":
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules and base.id not in ("self", "cls"):
                yield f"{ast.unparse(node)}"


def test_no_private_name_is_used_across_modules():
    """STYLE: a ``_name`` is its module's own; others use a public, documented name."""
    problems = [f"{path.relative_to(PACKAGE.parent)}: {use}"
                for folder in (PACKAGE, PACKAGE.parent / "tests", PACKAGE.parent / "benchmarks")
                for path in sorted(folder.rglob("*.py"))
                for use in _private_uses(path)]
    assert not problems, f"{len(problems)} private names used across modules:\n" + "\n".join(problems)
