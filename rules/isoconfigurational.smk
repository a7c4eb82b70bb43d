# N_R replicas of every structure with fresh Maxwell velocities (the isoconfigurational ensemble).
# All replicas of a structure run in one job, or, with isoconfigurational.replicas_per_job, in
# groups that merge_replicas joins into the same file (same seeds, same numbers, same bytes).


rule run_isoconfigurational:
    wildcard_constraints:
        system=ONE_REPLICA_JOB,
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
        config=get_stage_config("run_isoconfigurational"),
        seed=SEED,
    threads: RESOURCES.threads("run_isoconfigurational")
    resources:
        **RESOURCES.of("run_isoconfigurational"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule run_replica_group:
    wildcard_constraints:
        system=REPLICA_GROUPS,
    input:
        structure=STRUCTURE,
    output:
        group=temp(REPLICA_GROUP),
    log:
        main=f"logs/{{system}}/T{{temperature}}/run_replica_group/{{structure}}_{{group}}.log",
        lammps=f"logs/{{system}}/T{{temperature}}/run_replica_group/{{structure}}_{{group}}.lammps.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{system}}/T{{temperature}}/run_replica_group/{{structure}}_{{group}}.tsv"
    params:
        config=get_stage_config("run_replica_group"),
        seed=SEED,
        replicas=get_replica_range,
    threads: RESOURCES.threads("run_replica_group")
    resources:
        **RESOURCES.of("run_replica_group"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule merge_replicas:
    wildcard_constraints:
        system=REPLICA_GROUPS,
    input:
        structure=STRUCTURE,
        groups=get_replica_groups,
    output:
        ensemble=ISOCONFIGURATIONAL,
    log:
        main=log_path("merge_replicas"),
    params:
        config=get_stage_config("merge_replicas"),
        seed=SEED,
    threads: 1
    resources:
        **RESOURCES.of("merge_replicas"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
