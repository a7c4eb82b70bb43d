import numpy as np
import pytest

from glassdyn.md.equilibrate import EquilibrationProtocol, equilibrate_from_scratch
from glassdyn.systems import PairPotential, get_mixture


@pytest.fixture(scope="session")
def ka3d():
    return PairPotential(get_mixture("kob_andersen_3d"), "force_shifted")


@pytest.fixture(scope="session")
def liquid(ka3d):
    """A small KA liquid (N = 256) briefly equilibrated at T = 0.8; seconds to make."""
    protocol = EquilibrationProtocol(
        temperature=0.8, timestep=0.004, equilibration_time=8.0, melt_time=2.0, quench_time=2.0, thermostat_damping=0.4
    )
    return equilibrate_from_scratch(ka3d, 256, 1.2, protocol, np.random.default_rng(7))


def lattice_configuration(n, dimension, length, rng, jitter=0.05):
    """Particles on a jittered simple lattice: no overlaps, but not a minimum either."""
    side = int(np.ceil(n ** (1.0 / dimension)))
    grid = np.stack(np.meshgrid(*[np.arange(side)] * dimension, indexing="ij"), -1).reshape(-1, dimension)[:n]
    return grid * (length / side) + rng.normal(0.0, jitter, (n, dimension))
