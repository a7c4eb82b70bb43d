"""glassdyn: machine-learning glassy dynamics, from LAMMPS to benchmark metrics.

Subpackages, one per concern:

- :mod:`glassdyn.geometry` periodic boxes: wrapping, minimum image (numpy; numba helpers in
  :mod:`glassdyn.geometry_kernels`)
- :mod:`glassdyn.systems`  model glass formers (mixtures, pair potentials)
- :mod:`glassdyn.md`       LAMMPS driver: equilibration, isoconfigurational MD, inherent structures
- :mod:`glassdyn.io`       the HDF5 data model shared by every stage
- :mod:`glassdyn.config`   configuration schema and validation

Layers (bottom to top, each importing only from itself and below; ``tests/test_layers.py``):
geometry, systems, io, analysis, md, labels | descriptors, models, then config, workflow, cli.
"""

__version__ = "0.1.0"
