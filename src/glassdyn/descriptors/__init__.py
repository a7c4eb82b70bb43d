"""Structural descriptors: GlassMLP, CAGE/Boattini with cage states, SBO, Psi_l, Theta, density, energy.

Every family sums over neighbours on all periodic images (:func:`pair_list`), is computed by
small classes with a ``compute`` method, and is grouped into the named sets the workflow
writes (:mod:`glassdyn.descriptors.sets`). Names are imported on first use, so the set
registry is cheap to import.
"""

from glassdyn._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "angular": ["bond_order_invariants"],
    "boattini": ["BoattiniDescriptors", "cage_features"],
    "bond_order": ["BondOrientationalOrder", "SmoothBondOrder"],
    "cage": ["CageStateMonteCarlo"],
    "coarse_grain": ["CoarseGraining", "coarse_grain"],
    "energy": ["particle_energies"],
    "glassmlp": ["GLASSMLP_PRL_LENGTHS", "TGLASSMLP_PRB_LENGTHS", "GlassMLPDescriptors"],
    "neighbours": ["PairList", "pair_list"],
    "sets": ["DESCRIPTOR_SETS", "compute_descriptor_set", "register"],
    "tanaka": ["TanakaTheta"],
    "voronoi": ["VoronoiCells"],
})
