"""Atomic file writes: a temporary file next to the target, flushed to disk, renamed into place.

Every output of the workflow is written this way, so a crash (a killed job, a full disk, a
node lost) leaves the old file or none, never a half-written one that Snakemake would take as
complete. The temporary file is named ``.<name>.<pid>.tmp<suffix>``; a kill -9 cannot remove
it, so every job removes its outputs' stale temporaries when it starts
(:func:`remove_stale_temporaries`). Nothing here imports more than the standard library: the
planning layer uses it too.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def temporary_path(path, suffix: str = "") -> Path:
    """The temporary file :func:`atomic_path` writes ``path`` through (this process's)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{suffix}")


def _fsync(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # a file system that cannot open directories (some network mounts)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path, suffix: str = ""):
    """Yield a temporary path to write ``path`` through; on success fsync it and rename it into place.

    ``suffix`` ends the temporary name (``.h5`` for libraries that look at it). On any
    exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path, suffix)
    try:
        yield tmp
        _fsync(tmp)  # the data on disk before the name points at it
        os.replace(tmp, path)
        _fsync(path.parent, directory=True)  # and the rename itself
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text_atomic(path, text: str) -> Path:
    """Write a text file (a table, a list) atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def stale_temporaries(path) -> list[Path]:
    """Temporary files that writes of ``path`` left behind (any process's)."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    prefix = f".{path.name}."
    return sorted(p for p in path.parent.iterdir()
                  if p.name.startswith(prefix) and ".tmp" in p.name[len(prefix):]
                  and p.name[len(prefix):].split(".", 1)[0].isdigit())


def remove_stale_temporaries(paths) -> list[Path]:
    """Remove the temporaries of ``paths`` that killed writers left; returns what was removed.

    Called when a job starts: Snakemake runs one job per output at a time, so any temporary of
    the job's outputs belongs to a writer that is gone.
    """
    removed = []
    for path in paths:
        for tmp in stale_temporaries(path):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed.append(tmp)
    return removed
