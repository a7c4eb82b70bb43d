"""Cost per structure of the predict-only chain for KA2D systems far larger than simulated.

    python benchmarks/predict_only_chain.py --structure results/ka2d/T0.6/equilibrated/00000.h5 \
        --model results/ka2d/T0.6/models/all/glassmlp/bond_breaking/type0/t006.h5 [--tiles 8]

What a ``predict_with`` state point without labels runs per structure once it is equilibrated
(GlassMLP PRL Fig. 4: N = 82560): the inherent structure (the workflow's quench, FIRE to
|F_i| < 1e-8, or --min-style), the glassmlp-prl descriptors, the model's prediction of its
type, and the heterogeneity stage's analysis of that one structure (S_4 to q = 2 in 50 bins,
G_4 to r = 10, chords) at every time the model predicts. The input is an equilibrated KA2D
structure of the workflow (N = 1290 gives N = 82560 with 8 x 8 tiles) and a trained model
file; tiling keeps it an equilibrium liquid locally (its periodic images repeat every L of
the original, which changes no cost). One core. Equilibration is left out (its cost is the
swap MC and MD of ``benchmarks/swap_speed.py``, per structure and tau_alpha^SWAP).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.analysis.heterogeneity import DynamicHeterogeneity, overlap  # noqa: E402
from glassdyn.descriptors.sets import compute_descriptor_set  # noqa: E402
from glassdyn.io import Structure, load  # noqa: E402
from glassdyn.md.inherent import quench_to_inherent_structure  # noqa: E402
from glassdyn.models import load_model, make_sample  # noqa: E402
from glassdyn.systems import PairPotential, get_mixture  # noqa: E402


def tiled(structure: Structure, tiles: int) -> Structure:
    """``tiles`` x ``tiles`` periodic copies of a 2D structure."""
    shifts = np.stack(np.meshgrid(np.arange(tiles), np.arange(tiles), indexing="ij"), -1).reshape(-1, 2)
    positions = np.concatenate([structure.positions + s * structure.box for s in shifts])
    return Structure(positions=positions, types=np.tile(structure.types, len(shifts)), box=structure.box * tiles,
                     metadata=dict(structure.metadata))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--structure", required=True, help="an equilibrated KA2D structure file of the workflow")
    ap.add_argument("--model", required=True, help="a trained GlassMLP model file (glassmlp-prl descriptors)")
    ap.add_argument("--tiles", type=int, default=8)
    ap.add_argument("--min-style", default="fire")
    args = ap.parse_args()
    mixture = get_mixture("kob_andersen_2d_ternary")
    structure = tiled(load(args.structure, "structure"), args.tiles)
    model = load_model(args.model)
    n, n_times = structure.n_particles, 10
    print(f"KA2D N = {n} ({args.tiles}^2 tiles of {args.structure}), box {structure.box[0]:.2f}, one core")
    print("machine load (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores")
    times = {}
    t = time.perf_counter()
    inherent = quench_to_inherent_structure(PairPotential(mixture, "polynomial"), structure, min_style=args.min_style)
    times["inherent structure"] = time.perf_counter() - t
    t = time.perf_counter()
    descriptors = compute_descriptor_set("glassmlp-prl", {"structure": structure, "inherent_structure": inherent}, mixture)
    times["descriptors (glassmlp-prl)"] = time.perf_counter() - t
    t = time.perf_counter()
    sample = make_sample(descriptors, None, model.particle_type_, columns=model.columns_)
    sample.state = {"temperature": model.state_.get("temperature"), "time": model.state_.get("time")}
    predicted = model.predict(sample)
    times["prediction (one time)"] = time.perf_counter() - t
    mine = structure.types == model.particle_type_
    t = time.perf_counter()
    values = np.repeat(overlap(predicted)[None] if model.label_ == "propensity" else predicted[None], n_times, axis=0)
    DynamicHeterogeneity().compute(structure.positions[mine], values, structure.box)
    times[f"heterogeneity ({n_times} times)"] = time.perf_counter() - t
    for k, v in times.items():
        print(f"  {k:28s} {v:8.2f} s")
    print(f"  {'total, one predicted time':28s} {sum(times.values()):8.2f} s; each further time adds the prediction")
    print(f"  peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
