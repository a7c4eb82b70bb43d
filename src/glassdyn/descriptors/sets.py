"""Named descriptor sets: what the workflow computes per structure, one file per set.

A set names the states it needs (thermal ``structure``, ``inherent_structure``,
``cage_state``) and turns them into a :class:`~glassdyn.io.Descriptors` record with a name
for every column, so a trained model knows exactly what it was trained on. Sets are named
after their paper:

========================  =========================================================  ============================
set                       content                                                    columns
========================  =========================================================  ============================
``glassmlp-prl``          GlassMLP PRL: rho, E, Voronoi size, Delta E; L = 0..7.5     KA2D 256, KA 3D 192
``tglassmlp-prb``         tGlassMLP PRB Sec. II.B: same, 11 non-uniform L              KA2D 176, KA 3D 132
``roadmap``               roadmap SI I.F: glassmlp-prl + coarse-grained Delta r^inh    KA2D 320, KA 3D 240
``cage``                  roadmap SI I.E: Boattini generations 0-2 of initial and     KA2D 2773, KA 3D 2197
                          cage state + Delta r^cage
``baselines``             roadmap SI I.H-I: density (L = 5, thermal), E^inh (L = 5),    KA2D 8, KA 3D 6
                          Psi_l and its L = 5 form, Theta and its L = 5 form (2D),
                          SBO first principal component and SBO-CG (L = 1)
========================  =========================================================  ============================

To add a descriptor, write a function ``(states, mixture, options) -> (values, names,
metadata)`` and register it with :func:`register`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from glassdyn.systems.mixtures import Mixture

# The registry is read while planning (every Snakefile parse), so the descriptor kernels
# (numba, SciPy) are imported inside the functions that compute, not here.

STATES = ("structure", "inherent_structure", "cage_state")


@dataclass(frozen=True)
class DescriptorSet:
    """A named family of descriptors and the states it is computed from."""

    name: str
    states: tuple[str, ...]
    reference: str
    compute: Callable


DESCRIPTOR_SETS: dict[str, DescriptorSet] = {}


def register(name: str, states, reference: str):
    """Decorator adding a descriptor-set function to :data:`DESCRIPTOR_SETS`."""
    unknown = set(states) - set(STATES)
    if unknown:
        raise ValueError(f"unknown states {sorted(unknown)}; known: {STATES}")

    def wrap(func):
        DESCRIPTOR_SETS[name] = DescriptorSet(name, tuple(states), reference, func)
        return func

    return wrap


def get_set(name: str) -> DescriptorSet:
    try:
        return DESCRIPTOR_SETS[name]
    except KeyError:
        raise KeyError(f"unknown descriptor set {name!r}; known: {sorted(DESCRIPTOR_SETS)}") from None


def compute_descriptor_set(name: str, states: dict, mixture: Mixture, options: dict | None = None):
    """Compute set ``name`` from ``states`` (state name -> record) and return the
    :class:`~glassdyn.io.Descriptors` record."""
    from glassdyn.io.data import Descriptors

    spec = get_set(name)
    missing = [s for s in spec.states if states.get(s) is None]
    if missing:
        raise ValueError(f"descriptor set {name!r} needs the states {missing}")
    reference = states[spec.states[0]]
    for s in spec.states[1:]:
        other = states[s]
        if not (np.array_equal(other.types, reference.types) and np.allclose(other.box, reference.box)):
            raise ValueError(f"descriptor set {name!r}: {s} does not match {spec.states[0]} (types or box differ)")
    values, names, metadata = spec.compute(states, mixture, dict(options or {}))
    metadata = {"descriptor_set": name, "reference": spec.reference, "states": list(spec.states), **metadata}
    return Descriptors(values=values, names=names, types=reference.types, box=reference.box, metadata=metadata)


def _glassmlp(paper, include_displacement):
    """GlassMLP descriptors over the coarse-graining lengths of ``paper``: 'prl' or 'prb'."""

    def compute(states, mixture, options):
        from glassdyn.descriptors.glassmlp import GLASSMLP_PRL_LENGTHS, TGLASSMLP_PRB_LENGTHS, GlassMLPDescriptors
        from glassdyn.descriptors.voronoi import VoronoiCells

        lengths = GLASSMLP_PRL_LENGTHS if paper == "prl" else TGLASSMLP_PRB_LENGTHS
        inherent = states["inherent_structure"]
        thermal = states.get("structure")
        cells = VoronoiCells().compute(inherent.positions, inherent.box)
        desc = GlassMLPDescriptors(lengths, include_displacement, cutoff=options.get("cutoff", 20.0)).compute(
            inherent.positions, inherent.types, inherent.box, inherent.particle_energies, cells.size,
            thermal_positions=None if thermal is None else thermal.positions, n_types=mixture.n_types,
        )
        return desc.values, desc.names, {"lengths": list(desc.lengths), "cutoff": desc.cutoff}

    return compute


register("glassmlp-prl", ["inherent_structure"], "Jung, Biroli, Berthier, PRL 130, 238202 (2023)")(
    _glassmlp("prl", False))
register("tglassmlp-prb", ["inherent_structure"], "Jung, Biroli, Berthier, PRB 109, 064205 (2024), Sec. II.B")(
    _glassmlp("prb", False))
register("roadmap", ["inherent_structure", "structure"], "Roadmap on ML glassy dynamics, SI Sec. I.F")(
    _glassmlp("prl", True))


@register("cage", ["structure", "cage_state"], "Alkemade et al. JCP 158, 134512 (2023); roadmap SI Sec. I.E")
def _cage(states, mixture, options):
    from glassdyn.descriptors.boattini import BoattiniDescriptors, cage_features

    structure, cage = states["structure"], states["cage_state"]
    descriptors = BoattiniDescriptors.for_mixture(mixture)
    values, names = cage_features(structure.positions, cage.positions, structure.types, structure.box, descriptors)
    return values, names, {"generations": descriptors.n_generations, "generation_cutoff": descriptors.generation_cutoff}


def baseline_columns(dimension: int) -> list[str]:
    """Column names of the ``baselines`` set (known before any file exists, for planning)."""
    l = 6 if dimension == 3 else 4  # BondOrientationalOrder's default order
    theta = ["theta", "theta_L5"] if dimension == 2 else []
    return ["density_L5", "epot_inh_L5", f"psi{l}", f"psi{l}_L5", *theta, "sbo", "sbo_cg_L1"]


@register("baselines", ["structure", "inherent_structure"], "Roadmap on ML glassy dynamics, SI Sec. I.H-I.I")
def _baselines(states, mixture, options):
    from glassdyn.descriptors.bond_order import BondOrientationalOrder, SmoothBondOrder
    from glassdyn.descriptors.coarse_grain import CoarseGraining, coarse_grain

    thermal, inherent = states["structure"], states["inherent_structure"]
    x, types, box = thermal.positions, thermal.types, thermal.box
    n = len(x)
    length, sbo_length = 5.0, 1.0  # roadmap I.I (L = 5, all types) and I.H (SBO-CG: L = 1, same species)
    psi = BondOrientationalOrder().compute(x, types, box)
    # a particle without neighbours within the cutoff has no bond order: count it as 0
    fields = {"psi": np.nan_to_num(psi.psi)}
    sbo = SmoothBondOrder().compute(x, types, box)
    fields["sbo"] = sbo.first_principal_component()
    if len(box) == 2:
        from glassdyn.descriptors.tanaka import TanakaTheta

        fields["theta"] = TanakaTheta(mixture.sigma_matrix).compute(x, types, box).theta
    # one pass over the thermal structure for every coarse-grained field (20 sigma cutoff)
    cg = CoarseGraining([sbo_length, length]).compute(x, types, box, fields, n_types=mixture.n_types)
    mine = np.arange(n), types
    columns = {
        "density_L5": cg.density[:, -1, 1],  # thermal positions, all types
        "epot_inh_L5": coarse_grain(inherent.positions, box, inherent.particle_energies, length),
        f"psi{psi.l_used}": fields["psi"],
        f"psi{psi.l_used}_L5": cg.mean["psi"][:, -1, 1],
    }
    if "theta" in fields:
        columns["theta"] = fields["theta"]
        columns["theta_L5"] = cg.mean["theta"][:, -1, 1]
    columns["sbo"] = fields["sbo"]
    columns["sbo_cg_L1"] = cg.mean["sbo"][:, :, 0][mine]
    names = list(columns)
    assert names == baseline_columns(len(box)), names
    return np.column_stack([columns[k] for k in names]), names, {
        "length": length, "sbo_length": sbo_length, "psi_l": psi.l_used, "psi_cutoff": psi.cutoff,
        "sbo_orders": [int(o) for o in sbo.orders_], "sbo_cutoffs": sbo.cutoffs_.tolist()}
