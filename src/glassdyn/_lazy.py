"""Lazy package exports: ``from glassdyn.descriptors import pair_list`` imports only what it names.

A subpackage's ``__init__`` lists its public names and the submodules that define them; a name
is imported on first use (PEP 562). Planning code can then import a registry module such as
``glassdyn.descriptors.sets`` without paying for numba kernels, SciPy or torch.
"""

from __future__ import annotations

import importlib


def lazy_exports(package: str, exports: dict[str, list[str]]):
    """(``__getattr__``, ``__dir__``, ``__all__``) of ``package`` exporting ``{submodule: [names]}``."""
    where = {name: f"{package}.{module}" for module, names in exports.items() for name in names}

    def __getattr__(name):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name]), name)

    def __dir__():
        return sorted(where)

    return __getattr__, __dir__, sorted(where)
