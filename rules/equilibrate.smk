rule equilibrate_structure:
    input:
        unpack(previous_structure),
    output:
        structure=STRUCTURE,
    log:
        main=LOGS + "/equilibrate_structure/{structure}.log",
        lammps=LOGS + "/equilibrate_structure/{structure}.lammps.log",
    benchmark:
        BENCHMARKS + "/equilibrate_structure/{structure}.tsv"
    params:
        system=system_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/equilibrate_structure.py"
