"""Structural descriptors: GlassMLP, CAGE/Boattini with cage states, SBO, Psi_l, Theta, density, energy.

Every family sums over neighbours on all periodic images (:func:`pair_list`), is computed by
small classes with a ``compute`` method, and is grouped into the named sets the workflow
writes (:mod:`glassdyn.descriptors.sets`).
"""

from glassdyn.descriptors.angular import bond_order_invariants
from glassdyn.descriptors.boattini import BoattiniDescriptors, cage_features
from glassdyn.descriptors.bond_order import BondOrientationalOrder, SmoothBondOrder
from glassdyn.descriptors.cage import CageStateMonteCarlo
from glassdyn.descriptors.coarse_grain import CoarseGraining, coarse_grain
from glassdyn.descriptors.energy import particle_energies
from glassdyn.descriptors.glassmlp import GLASSMLP_PRL_LENGTHS, TGLASSMLP_PRB_LENGTHS, GlassMLPDescriptors
from glassdyn.descriptors.neighbours import PairList, pair_list
from glassdyn.descriptors.sets import DESCRIPTOR_SETS, compute_descriptor_set, register
from glassdyn.descriptors.tanaka import TanakaTheta
from glassdyn.descriptors.voronoi import VoronoiCells

__all__ = [
    "BoattiniDescriptors", "BondOrientationalOrder", "CageStateMonteCarlo", "CoarseGraining", "DESCRIPTOR_SETS",
    "GLASSMLP_PRL_LENGTHS", "GlassMLPDescriptors", "PairList", "SmoothBondOrder", "TGLASSMLP_PRB_LENGTHS",
    "TanakaTheta", "VoronoiCells", "bond_order_invariants", "cage_features", "coarse_grain", "compute_descriptor_set",
    "pair_list", "particle_energies", "register",
]
