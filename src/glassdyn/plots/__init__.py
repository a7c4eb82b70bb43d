"""Figures of the papers (matplotlib): one function per figure, tidy tables or arrays in, a
:class:`Plot` (figure, the data it draws, notes for the caption) out; :func:`save_plot` writes
the PDF, the 150 dpi PNG and the data table. The top layer: it imports only from below
(:mod:`glassdyn.analysis`) and nothing imports it but the workflow."""

from glassdyn.plots.base import Plot, read_rows, rows_to_tsv, save_plot, style
from glassdyn.plots.distributions import (cross_correlations, label_distribution, label_distributions_over_time,
                                          prediction_histograms)
from glassdyn.plots.dynamics import chi4_vs_time, mean_label_vs_time, relaxation_times, self_scattering
from glassdyn.plots.edges import edge_distance_map, edge_snapshot
from glassdyn.plots.heterogeneity import (attention_lengths, four_point_correlation, four_point_structure_factor,
                                          heterogeneity_vs_time, length_scales_vs_temperature, scaled_structure_factor)
from glassdyn.plots.networks import bottleneck_scatter, training_loss
from glassdyn.plots.scores import (learning_curve, score_vs_parameter, score_vs_time, score_vs_time_by_temperature,
                                   transferability)
from glassdyn.plots.snapshots import snapshot

__all__ = [
    "Plot", "read_rows", "rows_to_tsv", "save_plot", "style",
    "score_vs_time", "score_vs_time_by_temperature", "learning_curve", "transferability",
    "label_distribution", "label_distributions_over_time", "prediction_histograms", "cross_correlations",
    "chi4_vs_time", "relaxation_times", "self_scattering", "mean_label_vs_time", "snapshot",
    "score_vs_parameter", "edge_snapshot", "edge_distance_map", "training_loss", "bottleneck_scatter",
    "four_point_structure_factor", "scaled_structure_factor", "heterogeneity_vs_time", "four_point_correlation",
    "length_scales_vs_temperature", "attention_lengths",
]
