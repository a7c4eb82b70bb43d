# Structural descriptors of every structure: cage states, then one file per descriptor set.


rule compute_cage_state:
    # GlassBench imports bring their cage states (rule import_labels).
    wildcard_constraints:
        system=WITH_TRAJECTORIES,
    input:
        structure=STRUCTURE,
    output:
        cage_state=CAGE_STATE,
    log:
        main=log_path("compute_cage_state"),
    benchmark:
        benchmark_path("compute_cage_state")
    params:
        config=get_stage_config("compute_cage_state"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("compute_cage_state"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule compute_descriptors:
    input:
        unpack(get_descriptor_states),
    output:
        descriptors=DESCRIPTORS,
    log:
        main=f"logs/{{system}}/T{{temperature}}/compute_descriptors/{{descriptor_set}}/{{structure}}.log",
    params:
        config=get_stage_config("compute_descriptors"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("compute_descriptors"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
