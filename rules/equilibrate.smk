rule equilibrate_structure:
    wildcard_constraints:
        system=SIMULATED,
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
        system=simulation_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/equilibrate_structure.py"
