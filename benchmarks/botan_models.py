"""GlassMLP, GlassMLP(L1), CAGE ridge, baselines, BOTAN, NT-GNN and SE(3) on the BOTAN reference data, cross-validated.

    python benchmarks/botan_models.py [--data ../shared/data/botan-ka3d-T0.44-tc07/train]
                                      [--cache results/botan_models] [--folds 5] [--networks 4]
                                      [--cage-sweeps 500 2000] [--models ...]
                                      [--graph-epochs 10] [--pretrained /tmp/pyg_botan/initial_model/model1.pth]
                                      [--pretrain-epochs 20] [--se3-epochs 2] [--threads 2]

Ten structures of KA 3D at T = 0.44, t = 4120 (~tau_alpha), 32 replicas each; label: the
propensity R of the A particles. Inherent structures come from the workflow's quench (FIRE,
|F_i| < 1e-8), cage states from the cage Monte Carlo (sweeps as given: the roadmap's counts
are unknown), descriptors from the workflow's sets; all are cached under --cache.

Cross-validation by structure: 5 folds of 8 training / 2 test structures; inside the 8, the
last 2 validate (GlassMLP's early stopping, ridge's alpha), 6 train. Printed: the Pearson
correlation on the test structures, mean +- standard error over the 10 test structures,
next to the replica noise ceiling (split halves of the 32 replicas, Spearman-Brown).

Graph networks (BOTAN, NT-GNN) train on all 8 structures of a fold (no validation, no early
stopping: the papers' protocol) for --graph-epochs epochs; the 2 test structures are passed as
validation graphs, which only logs their Pearson per epoch (the learning curve printed; it does
not steer training). BOTAN starts from pretrained weights: --pretrained, the reference's
published pretraining (pyg_botan ``initial_model/model1.pth``: edges at t = 13, T = 0.44, 2000
epochs, BOTAN Sec. IV; mapped onto glassdyn's network by botan_training_speed.from_pyg_botan),
or else a pretraining of --pretrain-epochs on the fold's edges at t = 4120 (the only time these
files hold). NT-GNN starts from scratch (as in pyg_botan). BOTAN's edges are scored too:
Pearson on A-A pairs with r_ij(0) < 1.35 (BOTAN Sec. V).

SE(3) (``--models ... se3``) is the roadmap's network (SI I.G: 8 layers, 8 channels per l <= 3,
inputs the type and the inherent-structure energy of each particle from the cached quench),
trained as the SI (batches of 2, Adam lr 1e-3, beta_1 0.99, L2 1e-7, no validation) on the 8
structures of a fold for --se3-epochs epochs; its one output is the propensity at t = 4120. On
2 cores an epoch of 8 structures takes minutes, so it is not in the default --models.
"""

from __future__ import annotations

import argparse
import glob
import logging
import time
from pathlib import Path

import numpy as np

from glassdyn.analysis.metrics import noise_ceiling, pearson
from glassdyn.config import natural_key
from glassdyn.descriptors.cage import CageStateMonteCarlo
from glassdyn.descriptors.sets import baseline_columns, compute_descriptor_set
from glassdyn.io import CageState, Structure, load, save
from glassdyn.io.importers import read_botan
from glassdyn.labels import labels_from_ensemble
from glassdyn.md.inherent import quench_to_inherent_structure
from glassdyn.models import BOTAN, NTGNN, SE3GNN, GlassMLP, GlassMLPL1, RidgeRegression, SingleDescriptor, make_sample
from glassdyn.models.graphs import graph_from_labels
from glassdyn.systems import PairPotential, get_mixture

BOX = 15.05658
SETS = ("glassmlp-prl", "cage", "baselines")


def prepare(files, cache: Path, cage_sweeps):
    """Per structure: labels and the three descriptor sets (cached glassdyn files)."""
    mixture = get_mixture("kob_andersen_3d")
    potential = PairPotential(mixture, "force_shifted")
    cache.mkdir(parents=True, exist_ok=True)
    out, energies = [], []
    for k, f in enumerate(files):
        ensemble = read_botan(f, box=BOX, times=[4120.0])
        labels = labels_from_ensemble(ensemble, mixture.sigma_matrix, seed=k)
        structure = Structure(positions=ensemble.initial_positions, types=ensemble.types, box=ensemble.box,
                              metadata={"temperature": 0.44, "structure_index": k})
        states = {"structure": structure}
        is_file = cache / f"inherent_{k:02d}.h5"
        if not is_file.exists():
            save(is_file, quench_to_inherent_structure(potential, structure, min_style="fire", force_tolerance=1e-8))
        states["inherent_structure"] = load(is_file, "inherent_structure")
        energies.append(states["inherent_structure"].particle_energies)
        cage_file = cache / f"cage_state_{k:02d}.h5"
        if not cage_file.exists():
            mc = CageStateMonteCarlo(potential, 0.44, n_equilibration_sweeps=cage_sweeps[0],
                                     n_sampling_sweeps=cage_sweeps[1], seed=k).compute(structure.positions, structure.types, structure.box)
            save(cage_file, CageState(positions=mc.positions, types=structure.types, box=structure.box,
                                      metadata={"sweeps": list(cage_sweeps)}))
        states["cage_state"] = load(cage_file, "cage_state")
        descriptors = {}
        for name in SETS:
            path = cache / f"descriptors_{name}_{k:02d}.h5"
            if not path.exists():
                save(path, compute_descriptor_set(name, states, mixture))
            descriptors[name] = load(path, "descriptors")
        out.append((labels, descriptors))
        print(f"structure {k}: ready", flush=True)
    return out, energies


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/botan-ka3d-T0.44-tc07/train")
    ap.add_argument("--cache", default="results/botan_models")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--networks", type=int, default=4)
    ap.add_argument("--cage-sweeps", type=int, nargs=2, default=[500, 2000])
    ap.add_argument("--models", nargs="+", default=["glassmlp", "glassmlp-l1", "cage-ridge", "baselines", "botan", "nt-gnn"])
    ap.add_argument("--graph-epochs", type=int, default=10)
    ap.add_argument("--pretrained", help="pyg_botan initial_model/model1.pth (or a glassdyn BOTAN file)")
    ap.add_argument("--pretrain-epochs", type=int, default=20)
    ap.add_argument("--se3-epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import torch

    torch.set_num_threads(args.threads)
    files = sorted(glob.glob(f"{args.data}/*.npz"), key=natural_key)
    if not files:
        raise SystemExit(f"no .npz files in {args.data}")
    data, energies = prepare(files, Path(args.cache), args.cage_sweeps)
    n = len(data)
    ceilings = [float(noise_ceiling(lab.split_half_correlation[0, 0, 0])) for lab, _ in data]

    def samples(indices, set_name, columns=None):
        return [make_sample(data[i][1][set_name], data[i][0], 0, time_index=0, columns=columns, name=str(i)) for i in indices]

    makers = {
        "glassmlp": (lambda: GlassMLP(n_networks=args.networks, seed=1), "glassmlp-prl", None),
        "glassmlp-l1": (lambda: GlassMLPL1(n_networks=args.networks, seed=1), "glassmlp-prl", None),
        "cage-ridge": (lambda: RidgeRegression(), "cage", None),
    }
    if "baselines" in args.models:
        for column in baseline_columns(3):
            makers[f"baseline-{column}"] = (lambda c=column: SingleDescriptor(c), "baselines", [column])
    wanted = [m for m in makers if m in args.models or (m.startswith("baseline-") and "baselines" in args.models)]
    graph_models = [m for m in ("botan", "nt-gnn", "se3") if m in args.models]
    graphs = [graph_from_labels(lab, 0) for lab, _ in data]
    se3_graphs = [graph_from_labels(lab, [0], energies=e, name=str(k)) for k, ((lab, _), e) in enumerate(zip(data, energies))]
    pretrained = None
    if "botan" in graph_models and args.pretrained:
        pretrained = published_pretraining(args.pretrained)
    edge_scores = np.full(n, np.nan)
    curves = {}
    folds = np.array_split(np.arange(n), args.folds)
    scores = {m: np.full(n, np.nan) for m in wanted}
    seconds = {m: [] for m in wanted}
    for f, test in enumerate(folds):
        rest = [i for i in range(n) if i not in set(test)]
        n_val = max(1, round(0.25 * len(rest)))
        train, validation = rest[:-n_val], rest[-n_val:]
        for m in wanted:
            make, set_name, columns = makers[m]
            t = time.perf_counter()
            model = make().fit(samples(train, set_name, columns), samples(validation, set_name, columns))
            seconds[m].append(time.perf_counter() - t)
            for s in samples(test, set_name, columns):
                scores[m][int(s.name)] = pearson(s.target, model.predict(s))
            extra = f" alpha {model.alpha_:g}" if hasattr(model, "alpha_") else ""
            if isinstance(model, GlassMLP):
                extra = " epochs " + "/".join(str(h["epochs"]) for h in model.history)
            print(f"fold {f}: {m:24s} test Pearson {np.nanmean(scores[m][test]):+.3f} ({seconds[m][-1]:.0f} s{extra})", flush=True)
        for m in graph_models:
            t = time.perf_counter()
            if m == "se3":
                model = SE3GNN(epochs=args.se3_epochs, device="cpu", seed=f)
                model.fit([se3_graphs[i] for i in rest], [se3_graphs[i] for i in test])
                seconds.setdefault(m, []).append(time.perf_counter() - t)
                scores.setdefault(m, np.full(n, np.nan))
                for i in test:
                    mine = graphs[i].types == 0
                    scores[m][i] = pearson(graphs[i].target[mine], model.predict(se3_graphs[i])[mine, 0])
                curves.setdefault(m, []).append(model.history_[:, 4])
                print(f"fold {f}: {m:24s} test Pearson {np.nanmean(scores[m][test]):+.3f} ({seconds[m][-1]:.0f} s, "
                      f"{args.se3_epochs} epochs, {model.n_parameters()} parameters)", flush=True)
                continue
            model = (BOTAN if m == "botan" else NTGNN)(epochs=args.graph_epochs, device="cpu", seed=f)
            start = "from scratch"
            if m == "botan":
                start = pretrained
                if start is None:
                    start = BOTAN(node_weight=0.0, epochs=args.pretrain_epochs, device="cpu", seed=100 + f).fit(
                        [graphs[i] for i in rest])
                model.warm_start(start)
                start = "published pretraining" if args.pretrained else f"own pretraining, {args.pretrain_epochs} epochs"
            model.fit([graphs[i] for i in rest], [graphs[i] for i in test])
            seconds.setdefault(m, []).append(time.perf_counter() - t)
            scores.setdefault(m, np.full(n, np.nan))
            for i in test:
                mine = graphs[i].types == 0
                scores[m][i] = pearson(graphs[i].target[mine], model.predict(graphs[i])[mine])
                if m == "botan":
                    edge_scores[i] = model.score_edges(graphs[i])
            curves.setdefault(m, []).append(model.history_[:, 4])
            edge = f", edges {np.nanmean(edge_scores[test]):+.3f}" if m == "botan" else ""
            print(f"fold {f}: {m:24s} test Pearson {np.nanmean(scores[m][test]):+.3f}{edge} ({seconds[m][-1]:.0f} s, "
                  f"{args.graph_epochs} epochs, {start})", flush=True)
    print(f"\nPearson with R (A particles, T = 0.44, t = 4120), {args.folds}-fold CV over {n} structures "
          f"(2 test per fold; descriptor models 6 train / 2 validation, graph networks all 8 train), "
          f"mean +- standard error over the {n} test structures:")
    for m in wanted + graph_models + ["noise ceiling"]:
        v = np.asarray(ceilings if m == "noise ceiling" else scores[m])
        timing = f"   training {np.mean(seconds[m]):.1f} s per fold" if m in seconds else ""
        print(f"  {m:24s} {v.mean():+.3f} +- {v.std(ddof=1) / np.sqrt(len(v)):.3f}{timing}")
    if "botan" in graph_models:
        print(f"  {'botan, edges (A-A, r<1.35)':24s} {edge_scores.mean():+.3f} +- {edge_scores.std(ddof=1) / np.sqrt(n):.3f}")
    for m, rows in curves.items():
        curve = np.mean(rows, axis=0)
        print(f"  learning curve {m} (test Pearson after each epoch, mean over folds): "
              + " ".join(f"{v:+.3f}" for v in curve))


def published_pretraining(path):
    """BOTAN with the pretrained weights of ``path``: a pyg_botan ``.pth`` state dict or a glassdyn model file."""
    import torch

    if str(path).endswith(".h5"):
        from glassdyn.models import load_model

        return load_model(path)
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from botan_training_speed import from_pyg_botan

    model = BOTAN()
    model.set_parameters(from_pyg_botan(torch.load(path, map_location="cpu")))
    return model


if __name__ == "__main__":
    main()
