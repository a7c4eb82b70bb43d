"""Building the graphs of the graph networks: on the fly, against reading them from a file.

    python benchmarks/graph_speed.py [--data ../shared/data/botan-ka3d-T0.44-tc07/train]
                                     [--n 4096] [--repeats 20]

One structure of N = 4096 KA 3D particles (the first BOTAN reference file when --data holds
one; otherwise a random configuration at the same density, said so in the output), edges
r_ij(0) < 2.0 sigma_AA. Timed on one thread, each the best and the median of --repeats:

- the pair search (glassdyn.geometry_kernels.periodic_pairs, the cell list the labels use);
- the whole graph (pairs, the GraphSample and its torch_geometric Data, both directions);
- reading the same graph back from an HDF5 file (edge_index and edge_attr as written by
  h5py), which is what a cache of graph files would cost instead;
- the dense N x N distance matrix of the reference implementations (pyg_botan, DeepMind), for
  comparison.

Goal (issue 14): under 50 ms for N = 4096 on one core.
"""

from __future__ import annotations

import argparse
import glob
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

from glassdyn.config import natural_key  # noqa: E402
from glassdyn.geometry_kernels import periodic_pairs  # noqa: E402
from glassdyn.models.gnn import to_data  # noqa: E402
from glassdyn.models.graphs import GraphSample  # noqa: E402

BOX = 15.05658  # BOTAN reference data: N = 4096 at density 1.2


def timed(function, repeats):
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        out.append(time.perf_counter() - began)
    return 1e3 * min(out), 1e3 * float(np.median(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/botan-ka3d-T0.44-tc07/train")
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    files = sorted(glob.glob(os.path.join(args.data, "*.npz")), key=natural_key)
    if files and args.n == 4096:
        f = np.load(files[0])
        positions, types, box = f["initial_positions"], f["types"].astype(np.int64), np.full(3, BOX)
        source = f"BOTAN reference structure {os.path.basename(files[0])}"
    else:
        rng = np.random.default_rng(0)
        box = np.full(3, (args.n / 1.2) ** (1 / 3))
        positions, types = rng.uniform(0, box, (args.n, 3)), (rng.random(args.n) < 0.2).astype(np.int64)
        source = f"random configuration (no reference data at {args.data})" if not files else "random configuration"
    positions = positions - box * np.floor(positions / box)
    periodic_pairs(positions, box, 2.0)  # compile

    def graph():
        pairs, vectors = periodic_pairs(positions, box, 2.0)
        return to_data(GraphSample(positions, types, box, pairs, vectors))

    data = graph()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "graph.h5")
        with h5py.File(path, "w") as out:
            out["edge_index"], out["edge_attr"], out["x"] = (data.edge_index.numpy(), data.edge_attr.numpy(),
                                                             data.x.numpy())

        def read():
            with h5py.File(path, "r") as g:
                return torch.as_tensor(g["edge_index"][()]), torch.as_tensor(g["edge_attr"][()]), torch.as_tensor(g["x"][()])

        results = {
            "pair search (cell list)": timed(lambda: periodic_pairs(positions, box, 2.0), args.repeats),
            "whole graph, built on the fly": timed(graph, args.repeats),
            "same graph read from HDF5": timed(read, args.repeats),
        }

    def dense():
        d = positions[None, :, :] - positions[:, None, :]
        d -= box * np.round(d / box)
        r = np.linalg.norm(d, axis=-1)
        return np.nonzero((r < 2.0) & (r > 0))

    results["dense N x N matrix (references)"] = timed(dense, max(2, args.repeats // 5))
    print("machine load (1, 5, 15 min): %.2f %.2f %.2f on %d cores" % (*os.getloadavg(), os.cpu_count()))
    print(f"{source}: N = {len(positions)}, {data.edge_index.shape[1] // 2} pairs within 2.0 sigma_AA "
          f"({data.edge_index.shape[1]} directed edges), one thread")
    for name, (best, median) in results.items():
        print(f"  {name:34s} best {best:8.1f} ms   median {median:8.1f} ms")


if __name__ == "__main__":
    main()
