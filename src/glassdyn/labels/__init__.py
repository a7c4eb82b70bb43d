"""Labels from isoconfigurational ensembles: propensity R_i, bond breaking C_B^i, edge E_ij."""

from glassdyn.labels.isoconfigurational import (
    IsoconfigurationalLabels,
    labels_from_ensemble,
    minimum_image,
    neighbour_pairs,
    pairs_within,
    wrap,
)

__all__ = ["IsoconfigurationalLabels", "labels_from_ensemble", "minimum_image", "neighbour_pairs", "pairs_within", "wrap"]
