"""Wall time of GlassMLP's full four-phase training (PRL SM II B).

    python benchmarks/glassmlp_training_speed.py [--structures 100] [--particles 600]
                                                 [--columns 256] [--networks 1 4] [--threads 2]

The issue's target: 100 training structures x 600 particles (KA2D type 1 at N = 1290) on
2 CPU cores in under 2 minutes (the PRL: 2-5 minutes on an octa-core CPU). Inputs are
synthetic but shaped like the real ones: 256 standardised columns with correlated blocks,
positions in the KA2D box (L = 32.896), a label that depends nonlinearly on a few columns
plus noise, and as many validation structures as training ones (PRL: equal thirds). The
early-stopping phases run until the validation loss stops improving, so the epoch counts
are printed with the time.
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np


def synthetic(n_structures, n_particles, n_columns, rng, mixing, box=32.896):
    from glassdyn.models import Sample

    out = []
    for k in range(n_structures):
        latent = rng.normal(size=(n_particles, 16))
        x = (latent @ mixing + 0.3 * rng.normal(size=(n_particles, n_columns))).astype(np.float32)
        y = 0.6 + 0.15 * np.tanh(latent[:, 0] - 0.5 * latent[:, 1]) + 0.05 * latent[:, 2] ** 2 + 0.08 * rng.normal(size=n_particles)
        out.append(Sample(x, y, rng.uniform(0, box, (n_particles, 2)), np.array([box, box]), np.arange(n_particles), name=str(k)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--structures", type=int, default=100)
    ap.add_argument("--particles", type=int, default=600)
    ap.add_argument("--columns", type=int, default=256)
    ap.add_argument("--networks", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    import torch

    from glassdyn.analysis.metrics import pearson
    from glassdyn.models import GlassMLP

    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(16, args.columns)) / 4.0  # one "physics" for all sets
    train = synthetic(args.structures, args.particles, args.columns, rng, mixing)
    validation = synthetic(args.structures, args.particles, args.columns, rng, mixing)
    test = synthetic(10, args.particles, args.columns, rng, mixing)
    print(f"GlassMLP, {args.structures} training + {args.structures} validation structures x {args.particles} particles, "
          f"{args.columns} columns, {args.threads} threads, device {args.device}")
    for n_networks in args.networks:
        model = GlassMLP(n_networks=n_networks, seed=1, device=args.device)
        start = time.perf_counter()
        model.fit(train, validation)
        seconds = time.perf_counter() - start
        epochs = "/".join(str(h["epochs"]) for h in model.history)
        phase_seconds = "/".join(f"{h['seconds']:.0f}" for h in model.history)
        rho = np.mean([pearson(s.target, model.predict(s)) for s in test])
        print(f"  {n_networks} network(s): {seconds:6.1f} s   epochs per phase {epochs}   seconds per phase {phase_seconds}"
              f"   test Pearson {rho:.3f}   target < 120 s")


if __name__ == "__main__":
    main()
