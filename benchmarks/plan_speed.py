"""Time and memory of planning a paper preset: ``snakemake -n`` on roadmap-ka3d and roadmap-ka2d.

Usage: python benchmarks/plan_speed.py [--presets roadmap-ka3d roadmap-ka2d] [--repeats 1] [--print-jobs]

Each dry run is a fresh Snakemake process in the repository (no outputs exist, so every job
is planned): wall time, CPU time and the peak resident memory of the process, and the number
of jobs. ``--print-jobs`` plans with Snakemake's default output (every job printed) instead of
``--quiet rules``. Targets (issue 13): under 60 s and 1 GB each on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["roadmap-ka3d", "roadmap-ka2d"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--print-jobs", action="store_true", help="plan with every job printed (Snakemake's default)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"{'every job printed' if args.print_jobs else '--quiet rules'}")
    print(f"{'preset':<16} {'jobs':>7} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'ms/job':>7}")
    for preset in args.presets:
        for _ in range(args.repeats):
            # os.wait4 reaps the child itself and returns its resource usage (peak RSS)
            quiet = [] if args.print_jobs else ["--quiet", "rules"]
            cmd = [sys.executable, "-m", "snakemake", "-n", "--nolock", *quiet, "--configfile",
                   f"config/presets/{preset}.yaml"]
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            out = proc.stdout.read()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            if status != 0:
                raise SystemExit(f"{preset}: snakemake -n failed:\n{out[-2000:]}")
            jobs = int(re.search(r"^total\s+(\d+)", out, re.M).group(1))
            cpu = usage.ru_utime + usage.ru_stime
            print(f"{preset:<16} {jobs:>7d} {wall:>8.1f} {cpu:>8.1f} {usage.ru_maxrss / 1024:>8.0f} "
                  f"{1e3 * wall / jobs:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
