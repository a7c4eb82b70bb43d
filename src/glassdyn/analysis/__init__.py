"""Analysis: averaged dynamics, scores and noise ceiling, dynamic heterogeneity."""

from glassdyn.analysis.dynamics import (
    TemperatureTimeMap,
    TimeTemperatureSuperposition,
    arrhenius_fit,
    crossing_time,
    relaxation_time,
    self_intermediate_scattering,
    time_averaged_self_scattering,
)
from glassdyn.analysis.heterogeneity import (
    DynamicHeterogeneity,
    FourPointStructureFactor,
    average_chord_length,
    chi4,
    chord_lengths,
    fit_s4,
    four_point_correlation,
    overlap,
)
from glassdyn.analysis.metrics import (
    distribution,
    noise_ceiling,
    pearson,
    pooled_score,
    r_squared,
    score,
    spearman,
    spearman_brown,
    split_half_correlation,
)

__all__ = [
    "DynamicHeterogeneity",
    "FourPointStructureFactor",
    "TemperatureTimeMap",
    "TimeTemperatureSuperposition",
    "arrhenius_fit",
    "average_chord_length",
    "chi4",
    "chord_lengths",
    "crossing_time",
    "distribution",
    "fit_s4",
    "four_point_correlation",
    "noise_ceiling",
    "overlap",
    "pearson",
    "pooled_score",
    "r_squared",
    "relaxation_time",
    "score",
    "self_intermediate_scattering",
    "time_averaged_self_scattering",
    "spearman",
    "spearman_brown",
    "split_half_correlation",
]
