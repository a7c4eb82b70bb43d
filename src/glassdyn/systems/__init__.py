"""Model glass formers: mixture parameters and pair potentials, in reduced LJ units."""

from glassdyn.systems.mixtures import MIXTURES, Mixture, get_mixture
from glassdyn.systems.potentials import POTENTIAL_FORMS, PairPotential

__all__ = ["MIXTURES", "Mixture", "get_mixture", "PairPotential", "POTENTIAL_FORMS"]
