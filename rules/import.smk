# Start the DAG from a published data set (config: systems.<name>.source) instead of simulating.


rule import_isoconfigurational:
    # BOTAN .npz or DeepMind pickles: replica positions -> structure + ensemble; labels and
    # inherent structures then follow the same rules as simulated data.
    wildcard_constraints:
        system=IMPORTED_TRAJECTORIES,
    input:
        source=get_source_file,
    output:
        structure=STRUCTURE,
        ensemble=ISOCONFIGURATIONAL,
    log:
        main=log_path("import_isoconfigurational"),
    params:
        config=get_stage_config("import_isoconfigurational"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("import_isoconfigurational"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule import_labels:
    # GlassBench .npz: labels, inherent structure and cage state come with the file.
    wildcard_constraints:
        system=IMPORTED_LABELS,
    input:
        source=get_source_file,
    output:
        structure=STRUCTURE,
        labels=LABELS,
        inherent_structure=INHERENT_STRUCTURE,
        cage_state=CAGE_STATE,
    log:
        main=log_path("import_labels"),
    params:
        config=get_stage_config("import_labels"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("import_labels"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
