rule run_isoconfigurational:
    input:
        structure=STRUCTURE,
    output:
        ensemble=ISOCONFIGURATIONAL,
    log:
        main=LOGS + "/run_isoconfigurational/{structure}.log",
        lammps=LOGS + "/run_isoconfigurational/{structure}.lammps.log",
    benchmark:
        BENCHMARKS + "/run_isoconfigurational/{structure}.tsv"
    params:
        system=system_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/run_isoconfigurational.py"
