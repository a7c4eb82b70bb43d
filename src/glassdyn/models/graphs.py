"""Structures as graphs for the graph networks (BOTAN, NT-GNN, GNN(DM)); numpy only.

One graph per structure (BOTAN Sec. IV; Bapst et al.): every particle is a node whose input
is its type as a real number (0., 1., ...; float32), and every pair closer than the cut-off
at t = 0 (2.0 sigma_11 in both systems, roadmap SI I.D) is joined by two directed edges, one
each way, whose input is the periodic displacement between the two ends.

Edge order. The undirected pairs are those of the label files (``Labels.edges``, i < j sorted
by (i, j), :func:`~glassdyn.labels.isoconfigurational.pairs_within`), in the same order, so
BOTAN's edge target E_ij(t) (``Labels.edge_propensity``) needs no matching. Directed edge
k < P runs from i to j, edge k + P from j to i; a directed edge (source s -> target v) carries
r_v - r_s, the receiving particle's position minus the sender's (the issue's r_ij = r_i - r_j
for the edge into i; the convention of pyg_botan and of the DeepMind code), and both
directions of a pair carry its edge target. Self-pairs are not edges (pyg_botan drops them;
the DeepMind code keeps i = i with r = 0: a constant input that carries no structure).

Graphs are built on the fly from positions, about 30 ms for N = 4096 on one core (the cell list
:func:`~glassdyn.geometry_kernels.periodic_pairs` plus the tensors). Reading the same graph
back from an HDF5 file is faster, about 2 ms (``benchmarks/graph_speed.py``), but a job builds
each graph once and keeps it on the device for all its epochs: 400 graphs cost 12 s against the
hours of a 1000-epoch training, while graph files would add 4.6 MB per structure and time-
independent copies of what the label files already hold. So no graph files are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassdyn.io.data import Labels, Structure
from glassdyn.labels.isoconfigurational import pairs_within
from glassdyn.models.data import label_values

#: Edge cut-off of every graph network here, sigma_11 (BOTAN Sec. IV; roadmap SI I.D).
EDGE_CUTOFF = 2.0


@dataclass
class GraphSample:
    """One structure as a graph, with node (and edge) targets at one time.

    positions: (N, d) sigma_11 at t = 0; types: (N,) int; box: (d,) sigma_11;
    pairs: (P, 2) int64, i < j, the undirected edges; vectors: (P, d) r_j - r_i (minimum
    image), sigma_11; target: (N,) node label of every particle at one time, or (N, n_t) at
    several (the SE(3) network; None when predicting); edge_target: (P,) E_ij(t) per pair (None
    when unknown); energies: (N,) potential energy of each particle at the inherent structure,
    epsilon_11 (the SE(3) network's input; None when unused); state: state point of the labels
    (as :class:`~glassdyn.models.data.Sample`; several times: ``time_indices`` and ``times``
    lists); name: where it came from.

    Like :class:`~glassdyn.models.data.Sample` it tells the model what it is trained on:
    ``label`` (label kind), ``particle_type`` None (a graph model predicts every type), and
    no descriptor columns or set.
    """

    positions: np.ndarray
    types: np.ndarray
    box: np.ndarray
    pairs: np.ndarray
    vectors: np.ndarray
    target: np.ndarray | None = None
    edge_target: np.ndarray | None = None
    energies: np.ndarray | None = None
    state: dict = field(default_factory=dict)
    name: str = ""
    label: str | None = None
    columns: None = None
    particle_type: None = None
    descriptor_set: None = None

    def __post_init__(self):
        self.positions = np.asarray(self.positions, dtype=float)
        self.types = np.asarray(self.types).astype(np.int64)
        self.box = np.asarray(self.box, dtype=float)
        n, d = self.positions.shape
        if self.types.shape != (n,) or self.box.shape != (d,):
            raise ValueError(f"{self.name}: positions {self.positions.shape}, types {self.types.shape} and box "
                             f"{self.box.shape} do not describe one structure")
        if self.pairs.shape != (len(self.vectors), 2) or self.vectors.shape[1:] != (d,):
            raise ValueError(f"{self.name}: pairs {self.pairs.shape} and vectors {self.vectors.shape} do not match")
        for name, size in (("target", n), ("edge_target", len(self.pairs)), ("energies", n)):
            value = getattr(self, name)
            if value is None:
                continue
            value = np.asarray(value, dtype=float)
            if value.shape != (size,) and not (name == "target" and value.ndim == 2 and len(value) == size):
                raise ValueError(f"{self.name}: {name} shape {value.shape}, expected ({size},)")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{self.name}: {name} contains NaN or inf")
            setattr(self, name, value)

    @property
    def n_particles(self) -> int:
        return len(self.types)

    @property
    def indices(self) -> np.ndarray:
        """(N,) every particle: a graph model predicts all of them."""
        return np.arange(self.n_particles)


def graph_edges(positions, box, cutoff: float = EDGE_CUTOFF) -> tuple[np.ndarray, np.ndarray]:
    """(pairs (P, 2) i < j sorted, vectors (P, d) r_j - r_i): the undirected edges of a structure."""
    return pairs_within(positions, box, cutoff)


def graph_from_structure(structure: Structure, cutoff: float = EDGE_CUTOFF, name: str = "",
                         energies=None) -> GraphSample:
    """The graph of a structure to predict (thermal positions; no targets); ``energies``: the
    particles' potential energies at its inherent structure, when the model reads them."""
    pairs, vectors = graph_edges(structure.positions, structure.box, cutoff)
    return GraphSample(structure.positions, structure.types, structure.box, pairs, vectors, energies=energies,
                       name=name)


def graph_from_labels(labels: Labels, time_index, *, label: str = "propensity", cutoff: float = EDGE_CUTOFF,
                      edges: bool = True, name: str = "", energies=None) -> GraphSample:
    """The training graph of a labelled structure at one time (or at several).

    Node target: ``label`` (propensity R_i or bond breaking C_B^i) of every particle at
    ``time_index``; a list of time indices gives the (N, n_t) targets of a network that predicts
    every time at once (SE(3)), and no edge targets. With ``edges``, the edge target is the
    labels' E_ij(t), whose pairs must be the graph's (same cut-off): a label file from another
    cut-off is refused. ``energies``: (N,) inherent-structure energies (an input of SE(3)).
    """
    if not np.isscalar(time_index):
        indices = [int(t) for t in time_index]
        first = graph_from_labels(labels, indices[0], label=label, cutoff=cutoff, edges=False, name=name,
                                  energies=energies)
        first.target = np.stack([label_values(labels, label)[t] for t in indices], axis=1)
        del first.state["time"], first.state["time_index"]
        first.state.update(time_indices=indices, times=[float(labels.times[t]) for t in indices],
                           mean_label=[float(m) for m in first.target.mean(axis=0)])
        return first
    if not 0 <= time_index < len(labels.times):
        raise IndexError(f"{name}: time index {time_index} outside the {len(labels.times)} label times")
    pairs, vectors = graph_edges(labels.positions, labels.box, cutoff)
    edge_target = None
    if edges:
        if labels.edges is None or labels.edge_propensity is None:
            raise ValueError(f"{name}: the label file has no edge labels E_ij(t) (BOTAN needs them; p = 1 does not)")
        if not np.array_equal(np.asarray(labels.edges, dtype=np.int64), pairs):
            raise ValueError(f"{name}: the label file's edges ({len(labels.edges)} pairs, cut-off "
                             f"{labels.metadata.get('edge_cutoff')}) are not the graph's ({len(pairs)} pairs within "
                             f"{cutoff} sigma_11); recompute the labels with labels.edge_cutoff = {cutoff}")
        edge_target = labels.edge_propensity[time_index]
    target = label_values(labels, label)[time_index]
    temperature = labels.metadata.get("temperature")
    state = {"time": float(labels.times[time_index]), "time_index": int(time_index),
             "temperature": None if temperature is None else float(temperature),
             "mean_label": float(np.mean(target))}
    if labels.metadata.get("tau_alpha") is not None:
        state["tau_alpha"] = float(labels.metadata["tau_alpha"])
    return GraphSample(labels.positions, labels.types, labels.box, pairs, vectors, target=target,
                       edge_target=edge_target, energies=energies, state=state, name=name, label=label)


def load_graph_samples(label_files, time_index, *, label: str = "propensity", cutoff: float = EDGE_CUTOFF,
                       edges: bool = True, inherent_structure_files=None) -> list[GraphSample]:
    """Training graphs of many structures, one label file each (``time_index``: one index, or a
    list: see :func:`graph_from_labels`); with ``inherent_structure_files`` (one per label file,
    same structures) the graphs carry the particles' inherent-structure energies."""
    from pathlib import Path

    from glassdyn.io import load

    label_files = list(label_files)
    energies = [None] * len(label_files)
    if inherent_structure_files is not None:
        inherent_structure_files = list(inherent_structure_files)
        if len(inherent_structure_files) != len(label_files):
            raise ValueError(f"{len(label_files)} label files but {len(inherent_structure_files)} inherent structures")
        energies = [load(f, "inherent_structure").particle_energies for f in inherent_structure_files]
    return [graph_from_labels(load(f, "labels"), time_index, label=label, cutoff=cutoff, edges=edges,
                              name=Path(f).name, energies=e) for f, e in zip(label_files, energies)]


def cube_symmetries(dimension: int) -> np.ndarray:
    """(2^d d!, d, d) the point group of the cube (48 in 3D) or the square (8 in 2D): every
    permutation of the axes times every choice of signs, as orthogonal matrices.

    The augmentation of BOTAN and Bapst et al.: a random element applied to the edge vectors
    at every step (rotations by multiples of pi/2 and reflections keep the periodic box).
    """
    from itertools import permutations, product

    out = []
    for perm in permutations(range(dimension)):
        for signs in product((1.0, -1.0), repeat=dimension):
            m = np.zeros((dimension, dimension))
            m[np.arange(dimension), perm] = signs
            out.append(m)
    return np.stack(out)


def edge_pair_mask(sample: GraphSample, pair_types=(0, 0), max_distance: float | None = None) -> np.ndarray:
    """(P,) the pairs of types ``pair_types`` (unordered) closer than ``max_distance`` at t = 0:
    BOTAN Sec. V scores edges on A-A pairs with r_ij(0) < 1.35 sigma_AA (first neighbours)."""
    a, b = sample.types[sample.pairs[:, 0]], sample.types[sample.pairs[:, 1]]
    p, q = pair_types
    mask = ((a == p) & (b == q)) | ((a == q) & (b == p))
    if max_distance is not None:
        mask &= np.linalg.norm(sample.vectors, axis=1) < max_distance
    return mask
