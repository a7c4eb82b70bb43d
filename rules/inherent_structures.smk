# Inherent structures: every structure minimised to its local energy minimum.


rule quench_inherent_structure:
    wildcard_constraints:
        system=WITH_TRAJECTORIES,
    input:
        structure=STRUCTURE,
    output:
        inherent_structure=INHERENT_STRUCTURE,
    log:
        main=log_path("quench_inherent_structure"),
        lammps=log_path("quench_inherent_structure", "lammps.log"),
    params:
        config=get_stage_config("quench_inherent_structure"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("quench_inherent_structure"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
