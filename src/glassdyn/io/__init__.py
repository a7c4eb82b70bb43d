"""The HDF5 data model shared by every stage (see :mod:`glassdyn.io.data`)."""

from glassdyn.io.data import (
    CageState,
    Descriptors,
    Predictions,
    DynamicsSummary,
    Labels,
    DataFileError,
    InherentStructure,
    IsoconfigurationalEnsemble,
    Structure,
    load,
    provenance,
    save,
    write_text_atomic,
)

__all__ = [
    "CageState",
    "Descriptors",
    "Predictions",
    "DynamicsSummary",
    "Labels",
    "DataFileError",
    "InherentStructure",
    "IsoconfigurationalEnsemble",
    "Structure",
    "load",
    "provenance",
    "save",
    "write_text_atomic",
]
