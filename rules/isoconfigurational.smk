# N_R replicas of every structure with fresh Maxwell velocities (the isoconfigurational ensemble).


rule run_isoconfigurational:
    wildcard_constraints:
        system=SIMULATED,
    input:
        structure=STRUCTURE,
    output:
        ensemble=ISOCONFIGURATIONAL,
    log:
        main=log_path("run_isoconfigurational"),
        lammps=log_path("run_isoconfigurational", "lammps.log"),
    benchmark:
        benchmark_path("run_isoconfigurational")
    params:
        config=get_stage_config("run_isoconfigurational"),
        seed=SEED,
    threads: 1
    resources:
        **JOB_RESOURCES,
    script:
        STAGE_SCRIPT
