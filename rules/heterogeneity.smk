# Dynamic heterogeneity of each state point's test structures, one table per source: the MD
# labels and every trained model's predictions on the same structures (GlassMLP PRL Fig. 4,
# tGlassMLP PRB Sec. V). The heterogeneity figures read these tables.


rule compute_heterogeneity:
    input:
        unpack(get_heterogeneity_inputs),
    output:
        table=report(HETEROGENEITY, caption="../report/heterogeneity_table.rst", category="Tables",
                     subcategory="Heterogeneity",
                     labels={"system": "{system}", "temperature": "{temperature}", "source": "{source}"}),
    log:
        main="logs/{system}/T{temperature}/compute_heterogeneity/{source}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{system}}/T{{temperature}}/compute_heterogeneity/{{source}}.tsv"
    params:
        config=get_stage_config("compute_heterogeneity"),
    threads: 1
    resources:
        **RESOURCES.of("compute_heterogeneity"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
