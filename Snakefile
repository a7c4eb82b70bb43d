# glassdyn: machine-learning glassy dynamics, end to end.
#
#   snakemake --cores all                       # default demo (config/config.yaml), on this machine
#   snakemake -n --configfile config/presets/roadmap-ka3d.yaml   # plan a paper's full protocol
#   snakemake --workflow-profile profiles/slurm --configfile ...  # on a SLURM cluster (README)
#
# A --configfile replaces config/config.yaml instead of being merged into it, so a preset
# is exactly what it says; --config key=value still overrides single keys.

from snakemake.utils import min_version

min_version("9.0")


report: "report/workflow.rst"


# the config files of this run, read once more by glassdyn.config (Snakemake has read a
# --configfile already; the default is checked before Snakemake's reader sees it) so that
# an error names the file and line
CONFIG_FILES = [str(f) for f in workflow.overwrite_configfiles] or ["config/config.yaml"]


if not workflow.overwrite_configfiles:
    import sys

    from glassdyn.config import ConfigError, read_config_file

    try:
        read_config_file(CONFIG_FILES[0])
    except ConfigError as exc:
        sys.exit(f"glassdyn: {exc}")

    configfile: "config/config.yaml"


include: "rules/common.smk"
include: "rules/equilibrate.smk"
include: "rules/isoconfigurational.smk"
include: "rules/inherent_structures.smk"
include: "rules/import.smk"
include: "rules/labels.smk"
include: "rules/descriptors.smk"
include: "rules/models.smk"
include: "rules/heterogeneity.smk"
include: "rules/figures.smk"


# Cheap gathering jobs run where Snakemake runs (a cluster's login node), not as cluster jobs.
localrules:
    all,
    list_structures,
    summarize_dynamics,
    compare_models,
    plot_scores,


rule all:
    input:
        planning.all_targets(PLANS, LAYOUT),
    default_target: True
