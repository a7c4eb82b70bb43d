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
        system=simulation_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/run_isoconfigurational.py"
