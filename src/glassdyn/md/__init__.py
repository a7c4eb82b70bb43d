"""Molecular dynamics with LAMMPS: equilibration, swap Monte Carlo, isoconfigurational ensembles, inherent structures."""

from glassdyn.md.equilibrate import EquilibrationProtocol, continue_equilibration, equilibrate_from_scratch
from glassdyn.md.inherent import QuenchError, quench_to_inherent_structure
from glassdyn.md.isoconfigurational import run_isoconfigurational
from glassdyn.md.simulation import LammpsError, Simulation
from glassdyn.md.swap import SwapMonteCarlo
from glassdyn.md.velocities import maxwell_boltzmann_velocities

__all__ = [
    "EquilibrationProtocol",
    "LammpsError",
    "QuenchError",
    "Simulation",
    "SwapMonteCarlo",
    "continue_equilibration",
    "equilibrate_from_scratch",
    "maxwell_boltzmann_velocities",
    "quench_to_inherent_structure",
    "run_isoconfigurational",
]
