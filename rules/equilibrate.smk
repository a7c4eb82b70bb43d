# Equilibrated structures: melt-quench-NVT, one long NVT chain, or swap Monte Carlo + MD.


rule equilibrate_structure:
    wildcard_constraints:
        system=SIMULATED,
    input:
        unpack(get_previous_structure),
    output:
        structure=STRUCTURE,
    log:
        main=log_path("equilibrate_structure"),
        lammps=log_path("equilibrate_structure", "lammps.log"),
    benchmark:
        benchmark_path("equilibrate_structure")
    params:
        config=get_equilibration_config,
        seed=SEED,
    threads: RESOURCES.threads("equilibrate_structure")
    resources:
        **RESOURCES.of("equilibrate_structure"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
