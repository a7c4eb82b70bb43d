"""Labels and dynamics of the BOTAN reference data (real KA 3D, T = 0.44, t = 4120 ~ tau_alpha).

    python benchmarks/botan_reference.py [--data ../shared/data/botan-ka3d-T0.44-tc07/train]

Reads the ten BOTAN .npz files with the project's importer (box 15.05658, t = 4120), computes
labels with compute_labels' defaults and summarises them as summarize_dynamics does. Prints,
for A particles: F_s at q = 2 pi and 7.25, mean R, mean C_B, the split-half noise ceiling of R
and C_B, and chi_4 of R (and of its overlap) across the structures, with jackknife errors.
"""

from __future__ import annotations

import argparse
import glob

import numpy as np

from glassdyn.analysis import chi4, overlap
from glassdyn.analysis.summary import summarize_labels
from glassdyn.config import natural_key
from glassdyn.io.importers import read_botan
from glassdyn.labels import labels_from_ensemble
from glassdyn.systems import get_mixture


def jackknife(values, statistic):
    values = np.asarray(values)
    n = len(values)
    leave_one_out = np.array([statistic(np.delete(values, k, axis=0)) for k in range(n)])
    return float(np.sqrt((n - 1) / n * ((leave_one_out - leave_one_out.mean()) ** 2).sum()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/botan-ka3d-T0.44-tc07/train")
    args = ap.parse_args()
    files = sorted(glob.glob(f"{args.data}/*.npz"), key=natural_key)
    if not files:
        raise SystemExit(f"no .npz files in {args.data}")
    sigma = get_mixture("kob_andersen_3d").sigma_matrix
    labels = [labels_from_ensemble(read_botan(f, box=15.05658, times=[4120.0]), sigma, seed=k) for k, f in enumerate(files)]
    s = summarize_labels(labels)
    a = 0
    r_a = np.array([lab.propensity[0, lab.types == a] for lab in labels])  # (n_structures, N_A)
    print(f"{len(files)} structures, {labels[0].metadata['n_replicas']} replicas, N_A = {r_a.shape[1]}, t = 4120")
    for j, q in enumerate(s.wavenumbers):
        print(f"F_s(q = {q:.4f}, t) of A particles:      {s.self_intermediate_scattering[0, a, j]:.4f}")
    print(f"mean R of A particles:                   {s.mean_propensity[0, a]:.4f}")
    print(f"mean C_B of A particles:                 {s.mean_bond_breaking[0, a]:.4f}")
    print(f"split-half correlation of R (A):         {s.split_half_correlation[0, 0, a]:.4f}")
    print(f"noise ceiling of R (A):                  {s.noise_ceiling[0, 0, a]:.4f}")
    print(f"noise ceiling of C_B (A):                {s.noise_ceiling[1, 0, a]:.4f}")
    print(f"chi_4 of R (A), across structures:       {chi4(r_a):.2f} +- {jackknife(r_a, chi4):.2f} (jackknife)")
    w = overlap(r_a)
    print(f"chi_4 of the R overlap (a = 0.44):       {chi4(w):.2f} +- {jackknife(w, chi4):.2f} (jackknife)")


if __name__ == "__main__":
    main()
