"""The interaction networks of BOTAN, NT-GNN and GNN(DM) as ``torch.nn.Module``s (imports torch
and PyTorch Geometric).

All three are encoder-process-decoder interaction networks (Battaglia et al.) on the graphs of
:mod:`glassdyn.models.graphs`: node and edge encoders, ``n_cycles`` applications of one
:class:`InteractionLayer` (the same weights every cycle, as in both reference codes), and an
MLP decoder for nodes (and, for BOTAN, edges). Every MLP has two hidden layers of ``hidden``
units with ReLU (BOTAN Sec. II). With v the receiving and u the sending node of edge e:

- BOTAN (Shiba et al. eqs. 3-4): h_e^m = MLP(h_e^{m-1} (+) h_v^{m-1} (+) h_u^{m-1} (+) h_e^0),
  h_v^m = MLP(h_v^{m-1} (+) sum_{e into v} h_e^m (+) h_v^0);
- GNN(DM) (Bapst et al., ``graph_model.py``): every cycle reads [current, encoded] states, so the
  edge MLP also sees the encoded states of both nodes: h_e^m = MLP(h_e^{m-1} (+) h_e^0 (+)
  h_v^{m-1} (+) h_v^0 (+) h_u^{m-1} (+) h_u^0); the node update is BOTAN's.

Encoders and process MLPs end with a ReLU, decoders with a plain linear output (both codes).

Speed. The first layer of each update MLP is linear in the concatenation, so it is computed
block by block: node blocks once per node and gathered onto the edges (N x 64 instead of
E x 64 products, E ~ 40 N), and the blocks of the encoded states once per forward pass, as
they do not change between cycles. The function is that of the concatenated layer (the same
weight matrix, read by column blocks), with fewer operations; the column order of a weight
matrix is the order of the blocks in the formulas above.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import MessagePassing

EDGE_DECODERS = ("shared", "separate", "none")


def mlp(sizes, activate_final: bool) -> nn.Sequential:
    """Linear layers of ``sizes`` (in, hidden..., out) with ReLU between them (and after the last one)."""
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if activate_final or k < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class InteractionLayer(MessagePassing):
    """One cycle of message passing: edges updated from their two nodes, then nodes from the
    sum of their incoming edges (sum aggregation at the target, PyG's ``source_to_target``).

    Parameters
    ----------
    hidden : width of every state and hidden layer (64)
    encoded_nodes_to_edges : the edge update also reads the encoded states of both nodes
        (GNN(DM)); False: BOTAN.
    """

    def __init__(self, hidden: int = 64, encoded_nodes_to_edges: bool = False):
        super().__init__(aggr="sum")
        self.hidden = hidden
        self.encoded_nodes_to_edges = encoded_nodes_to_edges
        n_edge_blocks = 6 if encoded_nodes_to_edges else 4
        self.edge_mlp = mlp([n_edge_blocks * hidden, hidden, hidden], activate_final=True)
        self.node_mlp = mlp([3 * hidden, hidden, hidden], activate_final=True)

    # column blocks of the first edge layer, in formula order
    def _edge_blocks(self):
        w, h = self.edge_mlp[0].weight, self.hidden
        blocks = [w[:, k * h:(k + 1) * h] for k in range(w.shape[1] // h)]
        if self.encoded_nodes_to_edges:  # e, e0, v, v0, u, u0
            return {"edge": blocks[0], "edge0": blocks[1], "target": blocks[2], "target0": blocks[3],
                    "source": blocks[4], "source0": blocks[5]}
        return {"edge": blocks[0], "target": blocks[1], "source": blocks[2], "edge0": blocks[3]}  # e, v, u, e0

    def constants(self, node0, edge0, edge_index):
        """The parts of the first layers that depend on the encoded states only (once per forward).

        Returns (edge_constant (E, hidden), node_constant (N, hidden)), biases included.
        """
        b = self._edge_blocks()
        source, target = edge_index
        edge_constant = edge0 @ b["edge0"].T + self.edge_mlp[0].bias
        if self.encoded_nodes_to_edges:
            edge_constant = edge_constant + (node0 @ b["target0"].T)[target] + (node0 @ b["source0"].T)[source]
        w, h = self.node_mlp[0].weight, self.hidden
        node_constant = node0 @ w[:, 2 * h:].T + self.node_mlp[0].bias
        return edge_constant, node_constant

    def forward(self, nodes, edges, edge_index, edge_constant, node_constant):
        """(nodes (N, hidden), edges (E, hidden)) after one cycle."""
        b = self._edge_blocks()
        source, target = edge_index
        h = self.hidden
        # Node blocks of the edge layer: (N, h) products gathered onto the edges. The sums are
        # accumulated in place: none of these intermediates is needed by a backward pass, and
        # at E ~ 1.7e5 x 64 each saved pass over memory is ~10 ms per cycle on one core.
        pre = torch.addmm(edge_constant, edges, b["edge"].T)
        pre.add_((nodes @ b["target"].T).index_select(0, target))
        pre.add_((nodes @ b["source"].T).index_select(0, source))
        second = self.edge_mlp[2]
        edges = torch.nn.functional.linear(pre.relu_(), second.weight, second.bias).relu_()
        incoming = self.propagate(edge_index, message=edges, size=(nodes.shape[0], nodes.shape[0]))
        w = self.node_mlp[0].weight
        pre = torch.addmm(node_constant, nodes, w[:, :h].T).addmm_(incoming, w[:, h:2 * h].T)
        second = self.node_mlp[2]
        return torch.nn.functional.linear(pre.relu_(), second.weight, second.bias).relu_(), edges

    def message(self, message):
        return message


class InteractionNetwork(nn.Module):
    """Encoder, ``n_cycles`` cycles of one :class:`InteractionLayer`, decoders.

    Parameters
    ----------
    dimension : 2 or 3 (edge input r_v - r_u, (E, d))
    n_cycles : message-passing cycles n (BOTAN: 7 in KA 3D, 8 in KA2D)
    hidden : width (64)
    edge_decoder : "shared" (one decoder for nodes and edges, as pyg_botan: 54,209 parameters in
        3D), "separate" (its own edge decoder, a reading of BOTAN Fig. 1) or "none" (NT-GNN, GNN(DM))
    encoded_nodes_to_edges : GNN(DM)'s edge update (see the module docstring)
    node_features : width of the node input (1: the type as a real number)

    ``forward(x (N, node_features), edge_index (2, E), edge_attr (E, d))`` returns
    (node output (N,), edge output (E,) or None).
    """

    def __init__(self, dimension: int = 3, n_cycles: int = 7, hidden: int = 64, edge_decoder: str = "shared",
                 encoded_nodes_to_edges: bool = False, node_features: int = 1):
        super().__init__()
        if edge_decoder not in EDGE_DECODERS:
            raise ValueError(f"edge_decoder must be one of {EDGE_DECODERS}, got {edge_decoder!r}")
        self.n_cycles = int(n_cycles)
        self.edge_decoder_kind = edge_decoder
        self.node_encoder = mlp([node_features, hidden, hidden], activate_final=True)
        self.edge_encoder = mlp([dimension, hidden, hidden], activate_final=True)
        self.layer = InteractionLayer(hidden, encoded_nodes_to_edges)
        self.node_decoder = mlp([hidden, hidden, hidden, 1], activate_final=False)
        self.edge_decoder = mlp([hidden, hidden, hidden, 1], activate_final=False) if edge_decoder == "separate" else None

    def forward(self, x, edge_index, edge_attr, decode_nodes: bool = True, decode_edges: bool = True):
        node0, edge0 = self.node_encoder(x), self.edge_encoder(edge_attr)
        edge_constant, node_constant = self.layer.constants(node0, edge0, edge_index)
        nodes, edges = node0, edge0
        for _ in range(self.n_cycles):
            nodes, edges = self.layer(nodes, edges, edge_index, edge_constant, node_constant)
        node_out = self.node_decoder(nodes).squeeze(-1) if decode_nodes else None
        edge_out = None
        if decode_edges and self.edge_decoder_kind != "none":
            decoder = self.node_decoder if self.edge_decoder is None else self.edge_decoder
            edge_out = decoder(edges).squeeze(-1)
        return node_out, edge_out

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
