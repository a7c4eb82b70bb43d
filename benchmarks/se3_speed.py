"""SE(3) GNN training speed: seconds per step and per epoch of the roadmap's protocol.

    python benchmarks/se3_speed.py [--data ../shared/data/botan-ka3d-T0.44-tc07/train]
                                   [--steps 2] [--threads 1 2] [--device cpu|cuda]
                                   [--structures 400] [--epochs 200]

The SI's network (8 layers, 8 channels per l <= 3, 10 Bessel functions -> 16 -> dropout 0.3,
batch norm; 10 outputs, one per time of KA 3D) trained as the SI does (MSE + 1e-7 L2, Adam lr
1e-3, beta_1 = 0.99, batches of 2 graphs, edge features precomputed) on BOTAN reference
structures (N = 4096, edges r_ij(0) < 2.0). Input energies are each particle's potential energy
at its thermal positions and the targets are the propensity repeated at 10 times: the cost
does not depend on their values. Timed per thread count (each in its own process):

- a training step (forward, loss, backward, Adam) on one batch of 2 graphs: best and median
  of --steps (the first included: a step costs minutes on a CPU, its first-call overhead is
  small beside it; on a GPU one warm-up step runs first);
- a prediction (forward, no gradients) of one graph, as many times.

Projected: one epoch of --structures structures = structures / 2 steps, and --epochs epochs
(SI: 200 epochs of 400 structures took 11 h on a V100; the goal of issue 15 is under 2 h on one
modern GPU). On a GPU, ``--device cuda`` measures there (synchronised timings).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time

import numpy as np

BOX = 15.05658


def measure(args) -> dict:
    import torch
    from torch_geometric.data import Batch

    from glassdyn.config import natural_key
    from glassdyn.io.importers import read_botan
    from glassdyn.labels import labels_from_ensemble
    from glassdyn.models import SE3GNN
    from glassdyn.models.graphs import graph_from_labels
    from glassdyn.systems import PairPotential, get_mixture

    torch.set_num_threads(args.threads)
    files = sorted(glob.glob(f"{args.data}/*.npz"), key=natural_key)[:2]
    if len(files) < 2:
        raise SystemExit(f"need two .npz files in {args.data}")
    mixture = get_mixture("kob_andersen_3d")
    potential = PairPotential(mixture, "force_shifted")
    graphs = []
    for k, f in enumerate(files):
        ensemble = read_botan(f, box=BOX, times=[4120.0])
        labels = labels_from_ensemble(ensemble, mixture.sigma_matrix, seed=k)
        energies = potential.particle_energies(ensemble.initial_positions, ensemble.types, ensemble.box)
        g = graph_from_labels(labels, 0, energies=energies)
        g.target = np.repeat(np.asarray(g.target, dtype=np.float32)[:, None], 10, axis=1)
        graphs.append(g)
    device = torch.device(args.device)
    model = SE3GNN(device=args.device)
    network = model._build_network(model._network_shape(graphs)).to(device)
    optimizer = model._optimizer(network)
    batch = Batch.from_data_list([model._to_data(g, device, network) for g in graphs])
    single = model._to_data(graphs[0], device, network)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def step():
        network.train()
        optimizer.zero_grad()
        out, _ = model._forward_batch(network, batch, batch.edge_attr)
        loss = ((out - batch.y) ** 2).mean() + model._penalty(network)
        loss.backward()
        optimizer.step()

    def predict():
        network.eval()
        with torch.no_grad():
            model._forward_batch(network, single, single.edge_attr)

    timings = {}
    for name, function in (("step", step), ("predict", predict)):
        if device.type == "cuda":
            function()  # warm-up: kernels, allocator
            sync()
        seconds = []
        for _ in range(args.steps):
            began = time.perf_counter()
            function()
            sync()
            seconds.append(time.perf_counter() - began)
        timings[name] = seconds
    return {"threads": args.threads, "edges": int(batch.edge_index.shape[1]), "nodes": int(batch.num_nodes),
            "parameters": network.n_parameters(), **timings}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/botan-ka3d-T0.44-tc07/train")
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--structures", type=int, default=400)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.threads = args.threads[0]
        print(json.dumps(measure(args)))
        return
    print("machine load (1, 5, 15 min): %.2f %.2f %.2f on %d cores" % (*os.getloadavg(), os.cpu_count()))
    for threads in args.threads:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        run = subprocess.run([sys.executable, __file__, "--child", "--data", args.data, "--steps", str(args.steps),
                              "--threads", str(threads), "--device", args.device],
                             capture_output=True, text=True, env=env)
        if run.returncode:
            raise SystemExit(run.stderr[-3000:])
        r = json.loads(run.stdout.strip().splitlines()[-1])
        step, predict = np.asarray(r["step"]), np.asarray(r["predict"])
        epoch = np.median(step) * args.structures / 2
        print(f"{args.device}, {threads} thread(s): SE(3) {r['parameters']} parameters, batch of 2 graphs "
              f"({r['nodes']} nodes, {r['edges']} directed edges): training step best {step.min():.2f} s, median "
              f"{np.median(step):.2f} s; prediction of one graph {np.median(predict):.2f} s")
        print(f"  projected: {epoch:.0f} s per epoch of {args.structures} structures "
              f"({epoch / 3600:.2f} h), {args.epochs} epochs {epoch * args.epochs / 3600:.0f} h "
              f"(SI: 11 h on a V100; goal: under 2 h on one modern GPU)")
    print("machine load (1, 5, 15 min): %.2f %.2f %.2f on %d cores" % (*os.getloadavg(), os.cpu_count()))


if __name__ == "__main__":
    main()
