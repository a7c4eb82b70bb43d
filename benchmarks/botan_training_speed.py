"""BOTAN training speed, glassdyn against the reference implementation, on the same structures.

    git clone https://github.com/h3-Open-BDEC/pyg_botan /tmp/pyg_botan     # outside this repo
    python benchmarks/botan_training_speed.py --reference /tmp/pyg_botan \\
        [--data ../shared/data/botan-ka3d-T0.44-tc07/train] [--epochs 3] [--repeats 2] [--threads 1]
        [--device cpu|cuda] [--structures 10]

Both codes train BOTAN (p = 0.4, one graph per step, Adam lr 1e-4, clipping at 1, random cube
symmetries) on the same --structures BOTAN reference structures (N = 4096, t = 4120), each in
its own process with --threads torch threads. The reference runs its own loop
(``train.train_model``: its Dataset with the dense N x N graph builder, its Model, its test
pass every 5 epochs, here on an empty test set); glassdyn runs ``BOTAN.fit``. Each contender is
timed --repeats times, interleaved (reference, glassdyn, reference, ...), so load drift hits both:

- graph building: the reference's Dataset construction; glassdyn's graphs from the labels;
- seconds per epoch: the reference's (training time - Dataset time) / (epochs + 1) (its loop
  runs epochs + 1 passes); glassdyn's per-epoch wall times.

Printed: best and median of each, and their ratio (goal of issue 14: glassdyn at most half
the reference's time per epoch, graph building included, i.e. comparing
(graphs + E epochs) / E for E = 1000). Also checked first: the reference's published pretrained
weights (``initial_model/model1.pth``), loaded into glassdyn's network, give the reference
network's node and edge outputs, which confirms the reading of the architecture.

The reference imports ``torch_scatter`` (a compiled extension); the benchmark gives it
``torch_geometric.utils.scatter`` under that name, the same sum, and loads its GPU-saved
initial weights with ``map_location="cpu"``. Nothing of the reference is
copied into this repository.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

BOX = 15.05658

SHIM = textwrap.dedent("""
    import sys, types, torch_geometric.utils
    shim = types.ModuleType("torch_scatter")
    shim.scatter = lambda src, index, dim=0, dim_size=None, reduce="sum": torch_geometric.utils.scatter(
        src, index, dim=dim, dim_size=dim_size, reduce=reduce)
    sys.modules["torch_scatter"] = shim
""")

REFERENCE_RUN = SHIM + textwrap.dedent("""
    import functools, json, os, sys, time, torch
    torch.set_num_threads({threads})
    # its initial_model/*.pth were saved on a GPU: map them to the CPU, as torch asks
    torch.load = functools.partial(torch.load, map_location="cpu")
    sys.path.insert(0, {reference!r})
    os.chdir({reference!r})
    import load_data, train
    began = time.perf_counter()
    load_data.Dataset({pattern!r}, None, 4096, edge_threshold=2.0)
    graphs = time.perf_counter() - began
    began = time.perf_counter()
    train.train_model(0.4, 0.44, {pattern!r}, {empty!r}, n_epochs={epochs} - 1, n_particles=4096, seed=0)
    total = time.perf_counter() - began
    print(json.dumps({{"graphs": graphs, "epoch": (total - graphs) / {epochs}}}))
""")

GLASSDYN_RUN = textwrap.dedent("""
    import glob, json, time, torch
    import numpy as np
    torch.set_num_threads({threads})
    from glassdyn.config import natural_key
    from glassdyn.io.importers import read_botan
    from glassdyn.labels import labels_from_ensemble
    from glassdyn.models import BOTAN
    from glassdyn.models.graphs import graph_from_labels
    from glassdyn.systems import get_mixture
    files = sorted(glob.glob({pattern!r}), key=natural_key)
    sigma = get_mixture("kob_andersen_3d").sigma_matrix
    labels = [labels_from_ensemble(read_botan(f, box={box}, times=[4120.0]), sigma, seed=k) for k, f in enumerate(files)]
    began = time.perf_counter()
    graphs = [graph_from_labels(lab, 0) for lab in labels]
    built = time.perf_counter() - began
    model = BOTAN(epochs={epochs}, device={device!r}, seed=0)
    seconds = []
    import glassdyn.models.gnn as gnn
    heartbeat = gnn.GraphNetworkModel._heartbeat
    gnn.GraphNetworkModel._heartbeat = lambda self, history, s, epochs: seconds.append(s[-1])
    model.fit(graphs)
    print(json.dumps({{"graphs": built, "epoch": float(np.median(seconds)), "epochs": seconds}}))
""")

EQUIVALENCE = SHIM + textwrap.dedent("""
    import glob, sys, numpy as np, torch
    sys.path.insert(0, {reference!r})
    from model import Model
    from glassdyn.config import natural_key
    from glassdyn.models import BOTAN
    from glassdyn.models.gnn import to_data
    from glassdyn.models.graphs import graph_edges, GraphSample
    sys.path.insert(0, {here!r})
    from botan_training_speed import from_pyg_botan
    reference = Model()
    reference.load_state_dict(torch.load({reference!r} + "/initial_model/model1.pth", map_location="cpu"))
    ours = BOTAN()
    ours.set_parameters(from_pyg_botan(reference.state_dict()))
    f = np.load(sorted(glob.glob({pattern!r}), key=natural_key)[0])
    box = np.full(3, {box})
    positions = f["initial_positions"] - box * np.floor(f["initial_positions"] / box)
    pairs, vectors = graph_edges(positions, box)
    sample = GraphSample(positions, f["types"], box, pairs, vectors)
    data = to_data(sample)
    with torch.no_grad():
        node_ref, edge_ref = reference(data)
        node, edge = ours.network_(data.x, data.edge_index, data.edge_attr)
    print("pretrained weights of the reference in glassdyn's network: max |node difference| %.2e, "
          "max |edge difference| %.2e (outputs of order %.2f)" % (
          (node - node_ref.squeeze(-1)).abs().max(), (edge - edge_ref.squeeze(-1)).abs().max(), node_ref.abs().mean()))
""")


def from_pyg_botan(state_dict) -> dict:
    """pyg_botan's ``Model`` state_dict -> glassdyn :class:`~glassdyn.models.BOTAN` parameters.

    Its edge MLP reads [source, target, edge, encoded edge], glassdyn's [edge, target, source,
    encoded edge]; its node MLP [node, encoded node, incoming], glassdyn's [node, incoming,
    encoded node]: the first weight matrices are permuted by 64-column blocks.
    """
    sd = {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v) for k, v in state_dict.items()}
    h = sd["node_encoder.fc1.weight"].shape[0]

    def blocks(w, order):
        return np.concatenate([w[:, k * h:(k + 1) * h] for k in order], axis=1)

    out = {}
    for ours, theirs in (("node_encoder", "node_encoder"), ("edge_encoder", "edge_encoder")):
        for k, fc in ((0, "fc1"), (2, "fc2")):
            out[f"{ours}.{k}.weight"], out[f"{ours}.{k}.bias"] = sd[f"{theirs}.{fc}.weight"], sd[f"{theirs}.{fc}.bias"]
    for k, fc in ((0, "fc1"), (2, "fc2"), (4, "fc3")):
        out[f"node_decoder.{k}.weight"], out[f"node_decoder.{k}.bias"] = sd[f"decoder.{fc}.weight"], sd[f"decoder.{fc}.bias"]
    edge, node = "network.edge_model.mlp", "network.node_model.mlp"
    out["layer.edge_mlp.0.weight"] = blocks(sd[f"{edge}.fc1.weight"], (2, 1, 0, 3))
    out["layer.edge_mlp.0.bias"] = sd[f"{edge}.fc1.bias"]
    out["layer.edge_mlp.2.weight"], out["layer.edge_mlp.2.bias"] = sd[f"{edge}.fc2.weight"], sd[f"{edge}.fc2.bias"]
    out["layer.node_mlp.0.weight"] = blocks(sd[f"{node}.fc1.weight"], (0, 2, 1))
    out["layer.node_mlp.0.bias"] = sd[f"{node}.fc1.bias"]
    out["layer.node_mlp.2.weight"], out["layer.node_mlp.2.bias"] = sd[f"{node}.fc2.weight"], sd[f"{node}.fc2.bias"]
    return {k: v.astype(np.float32) for k, v in out.items()}


def run(code: str, threads: int) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, help="a clone of h3-Open-BDEC/pyg_botan (outside this repository)")
    ap.add_argument("--data", default="../shared/data/botan-ka3d-T0.44-tc07/train")
    ap.add_argument("--structures", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    reference = os.path.abspath(args.reference)
    if not os.path.exists(os.path.join(reference, "train.py")):
        raise SystemExit(f"--reference {reference}: no pyg_botan clone there (train.py missing)")
    files = sorted(glob.glob(os.path.join(os.path.abspath(args.data), "*.npz")))[: args.structures]
    if not files:
        raise SystemExit(f"--data {args.data}: no .npz files")
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:  # the reference reads a glob: link the chosen files into one folder
            os.symlink(f, os.path.join(tmp, os.path.basename(f)))
        pattern = os.path.join(tmp, "*.npz")
        empty = os.path.join(tmp, "none", "*.npz")
        print(run(EQUIVALENCE.format(reference=reference, pattern=pattern, box=BOX, here=here), args.threads))
        results = {"reference": [], "glassdyn": []}
        for _ in range(args.repeats):
            results["reference"].append(json.loads(run(REFERENCE_RUN.format(
                threads=args.threads, reference=reference, pattern=pattern, empty=empty, epochs=args.epochs), args.threads)))
            results["glassdyn"].append(json.loads(run(GLASSDYN_RUN.format(
                threads=args.threads, pattern=pattern, box=BOX, epochs=args.epochs, device=args.device), args.threads)))
    print("machine load (1, 5, 15 min): %.2f %.2f %.2f on %d cores" % (*os.getloadavg(), os.cpu_count()))
    print(f"\nBOTAN on {len(files)} structures of N = 4096, {args.epochs} epochs, {args.threads} thread(s), "
          f"{args.repeats} interleaved repeats (best / median):")
    summary = {}
    for name, rows in results.items():
        graphs = np.array([r["graphs"] for r in rows])
        epoch = np.array([r["epoch"] for r in rows])
        summary[name] = (graphs, epoch)
        print(f"  {name:10s} graph building {graphs.min():7.2f} / {np.median(graphs):7.2f} s   "
              f"seconds per epoch {epoch.min():7.2f} / {np.median(epoch):7.2f} s")
    for e in (args.epochs, 1000):
        ratio = [(g + e * p) / (gr + e * pr) for (g, p), (gr, pr) in zip(zip(*summary["glassdyn"]), zip(*summary["reference"]))]
        print(f"  glassdyn / reference, graphs + {e} epochs: best {min(ratio):.3f}, median {np.median(ratio):.3f}")


if __name__ == "__main__":
    main()
