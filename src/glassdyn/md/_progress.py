"""Progress reporting for long LAMMPS runs (to the job's log, via :mod:`logging`)."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("glassdyn.progress")


class Progress:
    """Logs 'label: done/total (percent), elapsed, ETA' at most every ``interval`` seconds."""

    def __init__(self, label: str, total: int, interval: float = 30.0):
        self.label, self.total, self.interval = label, max(int(total), 1), interval
        self.start = self._last = time.perf_counter()
        self.done = 0

    def update(self, done: int, extra: str = "", force: bool = False) -> None:
        self.done = done
        now = time.perf_counter()
        if not force and now - self._last < self.interval and done < self.total:
            return
        self._last = now
        elapsed = now - self.start
        eta = elapsed / done * (self.total - done) if done else float("nan")
        log.info(
            "%s: %d/%d (%.0f%%), %.0f s elapsed, ETA %.0f s%s",
            self.label, done, self.total, 100.0 * done / self.total, elapsed, eta,
            f", {extra}" if extra else "",
        )
