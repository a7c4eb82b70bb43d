# Labels of every structure, then the ground-truth dynamics of every system and temperature.


rule compute_labels:
    wildcard_constraints:
        system=WITH_TRAJECTORIES,
    input:
        ensemble=ISOCONFIGURATIONAL,
    output:
        labels=LABELS,
    log:
        main=log_path("compute_labels"),
    params:
        config=get_stage_config("compute_labels"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("compute_labels"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule summarize_dynamics:
    input:
        labels=get_state_point_labels,
    output:
        dynamics=DYNAMICS,
        table=report(DYNAMICS_TABLE, caption="../report/dynamics_table.rst", category="Tables",
                     subcategory="Dynamics", labels={"system": "{system}", "temperature": "{temperature}"}),
    log:
        main=state_point_log_path("summarize_dynamics"),
    params:
        config=get_stage_config("summarize_dynamics"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("summarize_dynamics"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule export_glassbench:
    # On request only: snakemake results/<system>/T<T>/glassbench/<structure>.npz
    input:
        labels=LABELS,
        inherent_structure=INHERENT_STRUCTURE,
    output:
        npz=GLASSBENCH_EXPORT,
    log:
        main=log_path("export_glassbench"),
    threads: 1
    resources:
        **RESOURCES.of("export_glassbench"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
