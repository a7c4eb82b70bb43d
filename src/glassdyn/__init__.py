"""glassdyn: machine-learning glassy dynamics, from LAMMPS to benchmark metrics.

Subpackages, one per concern:

- :mod:`glassdyn.systems`  model glass formers (mixtures, pair potentials)
- :mod:`glassdyn.md`       LAMMPS driver: equilibration, isoconfigurational MD, inherent structures
- :mod:`glassdyn.io`       the HDF5 data model shared by every stage
- :mod:`glassdyn.config`   configuration schema and validation
"""

__version__ = "0.1.0"
