rule quench_inherent_structure:
    input:
        structure=STRUCTURE,
    output:
        inherent_structure=INHERENT_STRUCTURE,
    log:
        main=LOGS + "/quench_inherent_structure/{structure}.log",
        lammps=LOGS + "/quench_inherent_structure/{structure}.lammps.log",
    benchmark:
        BENCHMARKS + "/quench_inherent_structure/{structure}.tsv"
    params:
        system=system_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/quench_inherent_structure.py"
