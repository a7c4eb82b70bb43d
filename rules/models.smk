# Models: train per model / temperature / label / particle type / time, predict the test
# structures, score them, and gather every score in one comparison table.


rule train_model:
    input:
        unpack(model_training_data),
    output:
        model=protected(MODEL),
    log:
        main=f"logs/{{system}}/T{{temperature}}/train_model/{{training}}/{{model}}/{{label}}/type{{particle_type}}/t{{time_index}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{system}}/T{{temperature}}/train_model/{{training}}/{{model}}/{{label}}/type{{particle_type}}/t{{time_index}}.tsv"
    params:
        system=model_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/train_model.py"


rule train_transferable_model:
    # tGlassMLP: one network for every temperature and time of the system (PRB Sec. II.E).
    input:
        unpack(transferable_training_data),
    output:
        model=protected(TRANSFERABLE_MODEL),
    log:
        main=f"logs/{{system}}/train_transferable_model/{{training}}/{{model}}/{{label}}/type{{particle_type}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{system}}/train_transferable_model/{{training}}/{{model}}/{{label}}/type{{particle_type}}.tsv"
    params:
        system=transferable_model_config,
        seed=SEED,
    threads: 1
    script:
        "../scripts/train_transferable_model.py"


rule predict_model:
    input:
        models=model_file_list,
        descriptors=test_descriptors,
    output:
        predictions=PREDICTIONS,
    log:
        main=f"logs/{{system}}/T{{temperature}}/predict_model/{{training}}/{{model}}/{{label}}.log",
    params:
        system=model_config,
        model_files=model_files,
        structures=test_structures,
    threads: 1
    script:
        "../scripts/predict_model.py"


rule evaluate_model:
    input:
        predictions=PREDICTIONS,
        labels=test_labels,
    output:
        table=EVALUATION,
    log:
        main=f"logs/{{system}}/T{{temperature}}/evaluate_model/{{training}}/{{model}}/{{label}}.log",
    params:
        system=model_config,
    threads: 1
    script:
        "../scripts/evaluate_model.py"


rule compare_models:
    input:
        evaluations=evaluation_targets(),
        dynamics=list(comparison_dynamics().values()),
    output:
        table=MODEL_COMPARISON,
    log:
        main="logs/compare_models.log",
    params:
        dynamics=comparison_dynamics(),
    threads: 1
    script:
        "../scripts/compare_models.py"
