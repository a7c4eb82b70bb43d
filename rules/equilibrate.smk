rule equilibrate_structure:
    input:
        unpack(previous_structure),
    output:
        structure=STRUCTURE,
    log:
        main=log_path("equilibrate_structure"),
        lammps=log_path("equilibrate_structure", "lammps.log"),
    benchmark:
        benchmark_path("equilibrate_structure")
    params:
        system=system_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/equilibrate_structure.py"
