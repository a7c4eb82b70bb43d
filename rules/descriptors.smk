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
        system=cage_state_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/compute_cage_state.py"


rule compute_descriptors:
    input:
        unpack(descriptor_states),
    output:
        descriptors=DESCRIPTORS,
    log:
        main=descriptor_log_path("compute_descriptors"),
    benchmark:
        f"{RESULTS}/benchmarks/{{system}}/T{{temperature}}/compute_descriptors/{{descriptor_set}}/{{structure}}.tsv"
    params:
        system=descriptor_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/compute_descriptors.py"
