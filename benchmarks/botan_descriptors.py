"""Simple structural descriptors against the propensity of the BOTAN reference data.

    python benchmarks/botan_descriptors.py [--data ../shared/data/botan-ka3d-T0.44-tc07/train]
                                           [--cache results/botan_descriptors]

For each of the ten BOTAN structures (KA 3D, T = 0.44, t = 4120 ~ tau_alpha, 32 replicas):
quench the thermal structure to its inherent structure with the workflow's quench (FIRE,
|F_i| < 1e-8; cached as glassdyn files under --cache), compute the ``baselines`` descriptor
set (roadmap SI I.H-I.I) and the propensity R of the A particles, and print the Pearson
correlation of each descriptor with R, averaged over structures (+- standard error of that
mean). The roadmap's table lists these baselines at the same state point.
"""

from __future__ import annotations

import argparse
import glob
import time
from pathlib import Path

import numpy as np

from glassdyn.analysis.metrics import pearson
from glassdyn.config import natural_key
from glassdyn.descriptors.sets import compute_descriptor_set
from glassdyn.io import Structure, load, save
from glassdyn.io.importers import read_botan
from glassdyn.labels import labels_from_ensemble
from glassdyn.md.inherent import quench_to_inherent_structure
from glassdyn.systems import PairPotential, get_mixture

BOX = 15.05658


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/botan-ka3d-T0.44-tc07/train")
    ap.add_argument("--cache", default="results/botan_descriptors")
    ap.add_argument("--sets", nargs="+", default=["baselines"])
    args = ap.parse_args()
    files = sorted(glob.glob(f"{args.data}/*.npz"), key=natural_key)
    if not files:
        raise SystemExit(f"no .npz files in {args.data}")
    mixture = get_mixture("kob_andersen_3d")
    potential = PairPotential(mixture, "force_shifted")
    cache = Path(args.cache)
    correlations: dict[str, list[float]] = {}
    timings: dict[str, list[float]] = {}
    for k, f in enumerate(files):
        ensemble = read_botan(f, box=BOX, times=[4120.0])
        labels = labels_from_ensemble(ensemble, mixture.sigma_matrix, seed=k)
        structure = Structure(positions=ensemble.initial_positions, types=ensemble.types, box=ensemble.box,
                              metadata={"temperature": 0.44, "structure_index": k})
        is_file = cache / f"inherent_{k:02d}.h5"
        if is_file.exists():
            inherent = load(is_file, "inherent_structure")
        else:
            t = time.perf_counter()
            inherent = quench_to_inherent_structure(potential, structure, min_style="fire", force_tolerance=1e-8)
            timings.setdefault("quench", []).append(time.perf_counter() - t)
            save(is_file, inherent)
        a = labels.types == 0
        r = labels.propensity[0, a]
        for name in args.sets:
            t = time.perf_counter()
            desc = compute_descriptor_set(name, {"structure": structure, "inherent_structure": inherent}, mixture)
            timings.setdefault(name, []).append(time.perf_counter() - t)
            for c, column in enumerate(desc.names):
                correlations.setdefault(column, []).append(pearson(desc.values[a, c].astype(float), r))
        print(f"structure {k}: mean R_A = {r.mean():.4f}, E_IS/N = {inherent.particle_energies.mean():.4f}", flush=True)
    print(f"\nPearson correlation with R (A particles, t = 4120, T = 0.44), mean over {len(files)} structures:")
    for column, values in correlations.items():
        values = np.asarray(values)
        print(f"  {column:16s} {values.mean():+.4f} +- {values.std(ddof=1) / np.sqrt(len(values)):.4f}")
    print("\nseconds per structure (one structure, this machine):")
    for name, values in timings.items():
        print(f"  {name:16s} {np.mean(values):.2f}")


if __name__ == "__main__":
    main()
