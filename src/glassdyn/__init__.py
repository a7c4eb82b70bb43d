"""glassdyn: machine-learning glassy dynamics, from LAMMPS to benchmark metrics.

Subpackages, one per concern:

- :mod:`glassdyn.geometry` periodic boxes: wrapping, minimum image (numpy; numba helpers in
  :mod:`glassdyn.geometry_kernels`)
- :mod:`glassdyn.systems`  model glass formers (mixtures, pair potentials)
- :mod:`glassdyn.io`       the HDF5 data model shared by every stage
- :mod:`glassdyn.analysis` observables of arrays: F_s, tau_alpha, Pearson, chi_4, S_4
- :mod:`glassdyn.md`       LAMMPS driver: equilibration, isoconfigurational MD, inherent structures
- :mod:`glassdyn.labels`   per-particle labels from replicas (propensity, bond breaking)
- :mod:`glassdyn.descriptors` structural descriptors and the named sets
- :mod:`glassdyn.models`   per-particle models (fit / predict / save / load)
- :mod:`glassdyn.config`   configuration schema, validation, plug-ins
- :mod:`glassdyn.workflow` planning (pure), job runtime and the stages the rules run

Layers (bottom to top, each importing only from itself and below; ``tests/test_layers.py``):
geometry, systems, io, analysis, md, labels | descriptors, models, then config, workflow, cli.
"""

__version__ = "0.1.0"
