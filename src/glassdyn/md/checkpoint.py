"""Checkpoints: a long job killed by a wall-time limit or a node failure resumes where it was.

A checkpoint is an HDF5 file next to the job's output (``<output>.checkpoint``) holding the
arrays needed to resume, the progress reached, and an identity: the inputs that determine
the result (protocol, seeds, initial positions, ...). A checkpoint whose identity differs
from the job's (the config changed) is ignored and replaced. Saves are atomic and happen at
most every ``interval`` seconds, so short runs never write one; the job deletes its
checkpoint once the output is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import h5py
import numpy as np

from glassdyn.io.data import atomic_h5

log = logging.getLogger(__name__)


def fingerprint(*arrays) -> str:
    """SHA-256 of arrays' bytes: identifies e.g. the initial positions in a checkpoint identity."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


class Checkpoint:
    """Periodic, atomic saves of a job's progress.

    Parameters
    ----------
    path: file to write (conventionally ``<output>.checkpoint``)
    identity: JSON-serialisable description of everything that determines the result
    interval: minimum wall-clock seconds between saves (0: save whenever asked)
    """

    def __init__(self, path, identity: dict, interval: float = 600.0):
        self.path = Path(path)
        self.identity = json.dumps(identity, sort_keys=True, default=str)
        self.interval = float(interval)
        self._last = time.monotonic()

    def _belongs(self, f) -> bool:
        return f.attrs.get("identity") == self.identity and bool(f.attrs.get("complete", False))

    def matches(self) -> bool:
        """Whether a checkpoint of these inputs exists (reads no arrays)."""
        if not self.path.exists():
            return False
        try:
            with h5py.File(self.path, "r") as f:
                return self._belongs(f)
        except OSError:
            return False

    def load(self) -> tuple[dict, dict] | None:
        """(arrays, progress) of a matching checkpoint, or None."""
        if not self.path.exists():
            return None
        try:
            with h5py.File(self.path, "r") as f:
                if not self._belongs(f):
                    log.warning("ignoring checkpoint %s: it belongs to different inputs", self.path)
                    return None
                arrays = {k: f[k][()] for k in f.keys()}
                progress = json.loads(f.attrs["progress"])
        except OSError as exc:
            log.warning("ignoring unreadable checkpoint %s (%s)", self.path, exc)
            return None
        log.info("resuming from checkpoint %s at %s", self.path, progress)
        return arrays, progress

    def save(self, arrays: dict, progress: dict, *, force: bool = False) -> bool:
        """Write a checkpoint if ``interval`` has passed since the last one (or ``force``)."""
        if not force and time.monotonic() - self._last < self.interval:
            return False
        with atomic_h5(self.path) as f:
            f.attrs["identity"] = self.identity
            f.attrs["progress"] = json.dumps(progress, sort_keys=True)
            for k, v in arrays.items():
                f.create_dataset(k, data=np.asarray(v))
        self._last = time.monotonic()
        log.info("checkpoint written: %s at %s", self.path, progress)
        return True

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
