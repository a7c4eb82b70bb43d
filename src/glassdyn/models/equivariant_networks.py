"""The SE(3)-equivariant graph network of the roadmap (SI I.G; Pezzicoli, Charpiat and Landes,
arXiv:2211.03226 v2) as a ``torch.nn.Module`` on e3nn and PyTorch Geometric.

Specified by the SI: thermal positions; node input one-hot particle type (+) the particle's
potential energy at the inherent structure; edges within 2.0 sigma_11 (2D: z = 0 and the 3D
spherical harmonics); 8 layers of 8 channels for each l = 0..3; the radial encoding 10 Bessel
functions -> 16 hidden units -> dropout 0.3; batch normalisation between the convolution
layers; one output per modelled time (l = 0, even parity) for every particle.

Readings (the SI leaves these open; each is the NequIP interaction block that the cited model
builds on, in e3nn's ``gate_points_2101`` form):

- Layer = convolution + gate: ``self_connection`` (linear, in -> out) plus
  ``linear_out``(sum_j TP_uvu(``linear_in``(h_j), Y(r_ij); w(|r_ij|))) / sqrt(<n_neighbours>),
  a depthwise ("uvu") tensor product with the spherical harmonics up to l_max, whose weights per
  edge come from the radial MLP, summed over the neighbours j of i and normalised by the square
  root of the mean neighbour count of the training graphs; then the gate: SiLU on the scalars,
  sigmoid gates on the l > 0 features (``e3nn.nn.Gate``).
- The irreps of each layer are those of 8x0e + 8x1o + 8x2e + 8x3o (the parities of the
  spherical harmonics, so that the first layer is a set of radial-times-harmonic densities of
  each type, the expert features the paper relates it to) that the tensor product can reach.
- Radial MLP: Bessel basis sqrt(2/c) sin(n pi r / c) / r, n = 1..10, times NequIP's smooth
  polynomial envelope (p = 6), then Linear(10, 16) - SiLU - Dropout(0.3) - Linear(16, w), no
  biases (e3nn's ``FullyConnectedNet``).
- Batch normalisation (``e3nn.nn.BatchNorm``, affine) after each layer but the last (7).
- Readout: a linear map (with bias) of the last layer's scalars to the n_times outputs.
- The potential energy enters standardised by the training set's mean and standard deviation
  (buffers of the network), the types one-hot.

This gives 43,331 parameters in 3D (2 types, 10 times) and 43,454 in KA2D (3 types, 6 times);
the SI says 52,660 and 53,394. The SI's 734 more parameters in 2D than in 3D, with 3 instead of
2 types, suggest that the type enters every layer of the cited model (NequIP's one-hot node
attributes in the self-connection). No combination of the readings above that we searched
analytically (about 97,000 variants: parities, self-connection and linear layers with or
without type attributes, 7-9 layers, 0-9 batch norms, radial depths 1-3, linear or MLP
readouts, outputs per time or per time and type) gives both counts; the nearest pairs were off
by 143 (3D) and 646 (2D). The authors' code (zenodo 10805522) is not readable from here.
"""

from __future__ import annotations

import math

import torch
from e3nn import o3
from e3nn.nn import BatchNorm, Gate
from torch import nn
from torch_geometric.nn import MessagePassing

__all__ = ["BesselBasis", "EquivariantConvolution", "SE3Network"]


class BesselBasis(nn.Module):
    """(E,) distances -> (E, n_basis) sqrt(2/c) sin(n pi r / c) / r times a smooth cut-off.

    The envelope is NequIP's polynomial of degree p = 6, which goes to zero with its first two
    derivatives at r = c, so that a pair crossing the cut-off changes the output smoothly.
    """

    def __init__(self, n_basis: int = 10, cutoff: float = 2.0, p: int = 6):
        super().__init__()
        self.n_basis, self.cutoff, self.p = n_basis, float(cutoff), p
        self.register_buffer("frequencies", math.pi * torch.arange(1, n_basis + 1, dtype=torch.get_default_dtype()))

    def envelope(self, x):
        p = self.p
        out = (1.0 - (p + 1.0) * (p + 2.0) / 2.0 * x ** p + p * (p + 2.0) * x ** (p + 1)
               - p * (p + 1.0) / 2.0 * x ** (p + 2))
        return out * (x < 1.0)

    def forward(self, r):
        x = r / self.cutoff
        basis = math.sqrt(2.0 / self.cutoff) * torch.sin(self.frequencies * x[:, None]) / r[:, None]
        return basis * self.envelope(x)[:, None]


class EquivariantConvolution(MessagePassing):
    """One NequIP interaction block: self-connection + neighbour tensor products (see the module).

    Parameters
    ----------
    irreps_in, irreps_out : o3.Irreps of the node features in and out
    irreps_sh : spherical harmonics of the edges (0e + 1o + 2e + 3o for l_max = 3)
    n_basis, radial_hidden, dropout : the radial MLP (10 -> 16 -> weights, dropout 0.3)
    """

    def __init__(self, irreps_in, irreps_out, irreps_sh, n_basis: int = 10, radial_hidden: int = 16,
                 dropout: float = 0.3):
        super().__init__(aggr="sum")
        self.irreps_in, self.irreps_out = o3.Irreps(irreps_in), o3.Irreps(irreps_out)
        self.irreps_sh = o3.Irreps(irreps_sh)
        self.self_connection = o3.Linear(self.irreps_in, self.irreps_out)
        self.linear_in = o3.Linear(self.irreps_in, self.irreps_in)
        outputs = {ir for _, ir in self.irreps_out}
        mid, instructions = [], []
        for i, (mul, ir_in) in enumerate(self.irreps_in):
            for j, (_, ir_edge) in enumerate(self.irreps_sh):
                for ir_out in ir_in * ir_edge:
                    if ir_out in outputs:
                        instructions.append((i, j, len(mid), "uvu", True))
                        mid.append((mul, ir_out))
        mid = o3.Irreps(mid)
        irreps_mid, permutation, _ = mid.sort()
        instructions = [(i, j, permutation[k], mode, train) for i, j, k, mode, train in instructions]
        self.tensor_product = o3.TensorProduct(self.irreps_in, self.irreps_sh, irreps_mid, instructions,
                                               shared_weights=False, internal_weights=False)
        self.radial = nn.Sequential(nn.Linear(n_basis, radial_hidden, bias=False), nn.SiLU(), nn.Dropout(dropout),
                                    nn.Linear(radial_hidden, self.tensor_product.weight_numel, bias=False))
        self.linear_out = o3.Linear(irreps_mid.simplify(), self.irreps_out)

    def forward(self, x, edge_index, edge_sh, edge_basis, norm):
        messages = self.propagate(edge_index, x=self.linear_in(x), edge_sh=edge_sh, weight=self.radial(edge_basis))
        return self.self_connection(x) + self.linear_out(messages) * norm

    def message(self, x_j, edge_sh, weight):
        return self.tensor_product(x_j, edge_sh, weight)


def _reachable(irreps, irreps_sh, ir) -> bool:
    return any(ir in a * b for _, a in irreps for _, b in irreps_sh)


class SE3Network(nn.Module):
    """SE(3)-equivariant network: (type, energy) per particle and edge vectors -> (N, n_outputs).

    Parameters
    ----------
    n_types : particle types (one-hot width; 2 in KA, 3 in KA2D)
    n_outputs : outputs per particle (the modelled times: 10 in KA 3D, 6 in KA2D)
    n_layers : convolution layers (8)
    channels : multiplicity of every l (8)
    l_max : largest l of features and spherical harmonics (3)
    n_basis, radial_hidden, dropout : radial MLP (10, 16, 0.3)
    cutoff : the graph's cut-off, sigma_11 (2.0; where the radial envelope vanishes)
    energy_mean, energy_scale : standardisation of the potential-energy input (epsilon)
    num_neighbors : mean neighbour count of the training graphs (message normalisation)
    """

    def __init__(self, n_types: int, n_outputs: int, n_layers: int = 8, channels: int = 8, l_max: int = 3,
                 n_basis: int = 10, radial_hidden: int = 16, dropout: float = 0.3, cutoff: float = 2.0,
                 energy_mean: float = 0.0, energy_scale: float = 1.0, num_neighbors: float = 1.0):
        super().__init__()
        self.n_types, self.n_outputs = n_types, n_outputs
        self.irreps_sh = o3.Irreps.spherical_harmonics(l_max)
        hidden = o3.Irreps([(channels, (l, (-1) ** l)) for l in range(l_max + 1)])
        self.basis = BesselBasis(n_basis, cutoff)
        self.register_buffer("energy_mean", torch.tensor(float(energy_mean)))
        self.register_buffer("energy_scale", torch.tensor(float(energy_scale)))
        self.register_buffer("num_neighbors", torch.tensor(float(num_neighbors)))
        irreps = o3.Irreps(f"{n_types + 1}x0e")
        self.convolutions, self.gates, self.norms = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for k in range(n_layers):
            scalars = o3.Irreps([(m, ir) for m, ir in hidden if ir.l == 0 and _reachable(irreps, self.irreps_sh, ir)])
            gated = o3.Irreps([(m, ir) for m, ir in hidden if ir.l > 0 and _reachable(irreps, self.irreps_sh, ir)])
            gate = Gate(scalars, [nn.functional.silu], o3.Irreps(f"{gated.num_irreps}x0e"), [torch.sigmoid],
                        gated)
            self.convolutions.append(EquivariantConvolution(irreps, gate.irreps_in, self.irreps_sh, n_basis,
                                                            radial_hidden, dropout))
            self.gates.append(gate)
            irreps = gate.irreps_out
            if k < n_layers - 1:
                self.norms.append(BatchNorm(irreps))
        self.readout = o3.Linear(irreps, o3.Irreps(f"{n_outputs}x0e"), biases=True)

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def node_input(self, x):
        """(N, 2) [type, potential energy] -> (N, n_types + 1) one-hot (+) standardised energy."""
        one_hot = nn.functional.one_hot(x[:, 0].long(), self.n_types).to(x.dtype)
        energy = (x[:, 1:2] - self.energy_mean) / self.energy_scale
        return torch.cat([one_hot, energy], dim=1)

    def edge_features(self, edge_attr):
        """(E, d) edge vectors -> (spherical harmonics (E, (l_max+1)^2), radial basis (E, n_basis));
        2D vectors get z = 0."""
        if edge_attr.shape[1] == 2:
            edge_attr = torch.cat([edge_attr, edge_attr.new_zeros(len(edge_attr), 1)], dim=1)
        sh = o3.spherical_harmonics(self.irreps_sh, edge_attr, normalize=True, normalization="component")
        return sh, self.basis(edge_attr.norm(dim=1))

    def forward(self, x, edge_index, edge_attr, edge_features=None, **_):
        """(node outputs (N, n_outputs), None): the interface of the other graph networks (no edge
        decoder). ``edge_features``: :meth:`edge_features` of ``edge_attr``, when precomputed."""
        sh, basis = self.edge_features(edge_attr) if edge_features is None else edge_features
        norm = self.num_neighbors.rsqrt()
        h = self.node_input(x)
        for k, (convolution, gate) in enumerate(zip(self.convolutions, self.gates)):
            h = gate(convolution(h, edge_index, sh, basis, norm))
            if k < len(self.norms):
                h = self.norms[k](h)
        return self.readout(h), None
