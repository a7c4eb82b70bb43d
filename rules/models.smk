# Models: train per model / temperature / label / particle type / time, predict the test
# structures, score them, and gather every score in one comparison table.


rule list_structures:
    # A model reads hundreds of structures: it depends on one list of their files instead of
    # on each file, which keeps the DAG of a paper preset small enough to plan in seconds.
    # A script, not ``run:``: Snakemake spawns every ``run:`` job as a new Snakemake process that
    # parses the whole workflow again (seconds per job; a preset has hundreds of lists).
    input:
        files=get_listed_files,
    output:
        structure_list=STRUCTURE_LIST,
    log:
        main=f"logs/{{system}}/T{{temperature}}/list_structures/{{kind}}_{{first}}-{{last}}.log",
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule pretrain_model:
    # BOTAN's edge pretraining (Sec. IV): p = 0 at a short time of the lowest temperature; its
    # weights start every BOTAN training of the system.
    input:
        unpack(get_pretraining_data),
    output:
        model=protected(PRETRAINED_MODEL),
    log:
        main="logs/{system}/pretrain_model/{model}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{system}}/pretrain_model/{{model}}.tsv"
    params:
        config=get_pretraining_config,
        seed=SEED,
    threads: RESOURCES.threads("pretrain_model")
    resources:
        **RESOURCES.of("pretrain_model"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule train_model:
    input:
        unpack(get_training_data),
    output:
        model=protected(MODEL),
    log:
        main=model_job_path("log", "train_model", "log"),
    benchmark:
        model_job_path("benchmark", "train_model", "tsv")
    params:
        config=get_model_config,
        seed=SEED,
    threads: RESOURCES.threads("train_model")
    resources:
        **RESOURCES.of("train_model"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule train_transferable_model:
    # tGlassMLP: one network for every temperature and time of the system (PRB Sec. II.E).
    input:
        unpack(get_transferable_training_data),
    output:
        model=protected(TRANSFERABLE_MODEL),
    log:
        main=f"logs/{{system}}/train_transferable_model/{{training}}/{{model}}/{{label}}/type{{particle_type}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{system}}/train_transferable_model/{{training}}/{{model}}/{{label}}/type{{particle_type}}.tsv"
    params:
        config=get_transferable_model_config,
        seed=SEED,
    threads: RESOURCES.threads("train_transferable_model")
    resources:
        **RESOURCES.of("train_transferable_model"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule predict_model:
    input:
        unpack(get_test_inputs),
        models=get_model_file_list,
    output:
        predictions=PREDICTIONS,
    log:
        main=f"logs/{{system}}/T{{temperature}}/predict_model/{{training}}/{{model}}/{{label}}.log",
    params:
        config=get_stage_config("predict_model"),
        model_files=get_model_files,
        structures=get_test_structures,
    threads: 1
    resources:
        **RESOURCES.of("predict_model"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule evaluate_model:
    input:
        predictions=PREDICTIONS,
        labels=get_test_labels,
    output:
        table=EVALUATION,
    log:
        main=f"logs/{{system}}/T{{temperature}}/evaluate_model/{{training}}/{{model}}/{{label}}.log",
    params:
        config=get_stage_config("evaluate_model"),
    threads: 1
    resources:
        **RESOURCES.of("evaluate_model"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule compare_models:
    input:
        evaluations=planning.evaluation_targets(PLANS, LAYOUT),
        dynamics=[f for _, _, f in get_comparison_dynamics()],
    output:
        table=report(MODEL_COMPARISON, caption="../report/model_comparison.rst", category="Tables",
                     subcategory="Models", labels={"table": "model comparison"}),
    log:
        main="logs/compare_models.log",
    params:
        dynamics=get_comparison_dynamics(),
    threads: 1
    resources:
        **RESOURCES.of("compare_models"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
