"""Data flows one way: a glassdyn module imports only from its own layer or the layers below.

Layers, bottom to top:

    1. glassdyn.geometry, glassdyn.geometry_kernels  periodic boxes (numpy / numba only);
       glassdyn._lazy                                lazy package exports (standard library only)
       glassdyn.atomic                               atomic file writes (standard library only)
    2. glassdyn.systems                              mixtures, potentials
    3. glassdyn.io                                   the HDF5 data model
    4. glassdyn.analysis                             observables of arrays, summaries of records
    5. glassdyn.md                                   LAMMPS and swap Monte Carlo
    6. glassdyn.labels | glassdyn.descriptors        stages on configurations (not each other)
    7. glassdyn.models                               learning
    8. glassdyn.config, glassdyn.workflow, glassdyn.cli  planning and stages: may import anything

The package root ``glassdyn`` (its ``__init__``, only ``__version__``) is layer 0 and imports
nothing. Every ``import`` counts, at any depth: module level, inside functions (the lazy
imports that keep torch or LAMMPS out of light code paths), under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "glassdyn"

#: (package or module prefix, layer); the longest matching prefix wins
LAYERS = {
    "glassdyn": 0,
    "glassdyn.geometry": 1,
    "glassdyn.geometry_kernels": 1,
    "glassdyn._lazy": 1,
    "glassdyn.atomic": 1,
    "glassdyn.systems": 2,
    "glassdyn.io": 3,
    "glassdyn.analysis": 4,
    "glassdyn.md": 5,
    "glassdyn.labels": 6,
    "glassdyn.descriptors": 6,
    "glassdyn.models": 7,
    "glassdyn.plots": 7,
    "glassdyn.config": 8,
    "glassdyn.workflow": 8,
    "glassdyn.cli": 8,
}
TOP = 8  # planning and stages: not checked
#: packages that share a layer but must not import each other
SIBLINGS = {frozenset({"glassdyn.labels", "glassdyn.descriptors"}), frozenset({"glassdyn.models", "glassdyn.plots"})}
#: what the bottom layer may import besides the standard library's __future__
BOTTOM_THIRD_PARTY = {"glassdyn.geometry": {"numpy"}, "glassdyn.geometry_kernels": {"numpy", "numba"},
                      "glassdyn._lazy": {"importlib"}, "glassdyn.atomic": {"contextlib", "os", "pathlib"}}


def module_name(path: Path) -> str:
    """Dotted name of a source file: src/glassdyn/io/data.py -> glassdyn.io.data."""
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in ``source``, at any depth.

    Relative imports are resolved against ``module``; ``from pkg import name`` yields
    ``pkg.name`` too, since ``name`` may be a submodule (``from glassdyn import geometry``).
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((node.lineno, target))
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names if alias.name != "*")
    return found


def layer_of(module: str) -> tuple[str, int] | None:
    """(prefix, layer) of a glassdyn module, None for other packages."""
    best = None
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, layer)
    return best


def _modules():
    for path in sorted(SOURCE.rglob("*.py")):
        yield path, module_name(path), path.name == "__init__.py"


def _glassdyn_imports(source, module, is_package):
    """The imports of glassdyn modules; ``pkg.name`` where ``name`` is not a module is dropped."""
    out = []
    for line, target in imported_modules(source, module, is_package):
        if not (target == "glassdyn" or target.startswith("glassdyn.")):
            continue
        path = SOURCE.parent.joinpath(*target.split("."))
        if target != "glassdyn" and not (path.with_suffix(".py").exists() or (path / "__init__.py").exists()):
            continue  # a name imported from a module, not a module
        out.append((line, target))
    return out


def test_every_module_has_a_layer():
    # a new subpackage would otherwise fall back to the root's layer 0: name it in LAYERS
    stray = [m for _, m, _ in _modules() if m != "glassdyn" and layer_of(m)[0] == "glassdyn"]
    assert not stray, f"modules without a layer (add them to LAYERS): {stray}"


def test_imports_flow_downwards():
    violations = []
    for path, module, is_package in _modules():
        prefix, layer = layer_of(module)
        if layer == TOP:
            continue
        for line, target in _glassdyn_imports(path.read_text(), module, is_package):
            target_prefix, target_layer = layer_of(target)
            where = f"{path.relative_to(SOURCE.parent.parent)}:{line}"
            if target_layer > layer:
                violations.append(f"{module} (layer {layer}) imports {target} (layer {target_layer}) at {where}")
            elif frozenset({prefix, target_prefix}) in SIBLINGS:
                violations.append(f"{module} ({prefix}) imports its sibling {target} ({target_prefix}) at {where}")
    assert not violations, "imports against the layering:\n  " + "\n  ".join(violations)


def test_the_bottom_layer_needs_numpy_and_numba_only():
    violations = []
    for path, module, is_package in _modules():
        allowed = BOTTOM_THIRD_PARTY.get(module)
        if allowed is None:
            continue
        for line, target in imported_modules(path.read_text(), module, is_package):
            top = target.split(".")[0]
            if top not in allowed | {"__future__", "glassdyn"}:
                violations.append(f"{module} imports {target} at line {line} (allowed: {sorted(allowed)})")
    assert not violations, "\n".join(violations)


def test_the_package_root_imports_nothing_of_glassdyn():
    source = (SOURCE / "__init__.py").read_text()
    assert not _glassdyn_imports(source, "glassdyn", True)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import glassdyn.md.runtime\n", "glassdyn.md.runtime"),
        ("def f():\n    from glassdyn.md.runtime import lammps_version\n", "glassdyn.md.runtime"),
        ("from ..md import runtime\n", "glassdyn.md.runtime"),
        ("from .importers import load\n", "glassdyn.io.importers"),
        ("class A:\n    def f(self):\n        if True:\n            import glassdyn.models\n", "glassdyn.models"),
    ],
)
def test_the_scanner_sees_nested_and_relative_imports(source, expected):
    found = [target for _, target in imported_modules(source, "glassdyn.io.data", is_package=False)]
    assert expected in found, found
