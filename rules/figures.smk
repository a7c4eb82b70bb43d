# Figures of the papers: one rule per family (what a figure reads), each writing the figure as a
# vector PDF, a 150 dpi PNG (in the report) and the plotted data as a table beside them.
# Which figures a config draws, and what each reads: glassdyn.workflow.reporting.


rule plot_scores:
    # Scores against time, training-set size, temperature: the comparison table.
    input:
        table=MODEL_COMPARISON,
    output:
        pdf=f"{SCORE_FIGURE}.pdf",
        png=report(f"{SCORE_FIGURE}.png", caption="../report/scores.rst", category="Figures",
                   subcategory="{paper}", labels={"figure": "{score_figure}", "system": "all"}),
        tsv=f"{SCORE_FIGURE}.tsv",
    log:
        main="logs/figures/{paper}/{score_figure}.log",
    params:
        figure=get_figure_params,
    threads: 1
    resources:
        **RESOURCES.of("plot_scores"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule plot_state_point:
    # Distributions, histograms, snapshots, cross-correlations, chi_4: the labels and
    # predictions of a system's test structures at its lowest temperature.
    input:
        unpack(get_state_point_figure_data),
    output:
        pdf=f"{STATE_POINT_FIGURE}.pdf",
        png=report(f"{STATE_POINT_FIGURE}.png", caption="../report/state_point.rst", category="Figures",
                   subcategory="{paper}", labels={"figure": "{state_figure}", "system": "{system}"}),
        tsv=f"{STATE_POINT_FIGURE}.tsv",
    log:
        main="logs/figures/{paper}/{state_figure}_{system}.log",
    params:
        figure=get_figure_params,
    threads: 1
    resources:
        **RESOURCES.of("plot_state_point"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule plot_dynamics:
    # F_s(q, t) and relaxation times: the dynamics summaries of every temperature of a system.
    input:
        dynamics=get_dynamics_figure_data,
    output:
        pdf=f"{DYNAMICS_FIGURE}.pdf",
        png=report(f"{DYNAMICS_FIGURE}.png", caption="../report/dynamics.rst", category="Figures",
                   subcategory="{paper}", labels={"figure": "{dynamics_figure}", "system": "{system}"}),
        tsv=f"{DYNAMICS_FIGURE}.tsv",
    log:
        main="logs/figures/{paper}/{dynamics_figure}_{system}.log",
    params:
        figure=get_figure_params,
    threads: 1
    resources:
        **RESOURCES.of("plot_dynamics"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule plot_training:
    # Loss curves: a system's model files (BOTAN's edge pretraining).
    input:
        models=get_training_figure_data,
    output:
        pdf=f"{TRAINING_FIGURE}.pdf",
        png=report(f"{TRAINING_FIGURE}.png", caption="../report/training.rst", category="Figures",
                   subcategory="{paper}", labels={"figure": "{training_figure}", "system": "{system}"}),
        tsv=f"{TRAINING_FIGURE}.tsv",
    log:
        main="logs/figures/{paper}/{training_figure}_{system}.log",
    params:
        figure=get_figure_params,
    threads: 1
    resources:
        **RESOURCES.of("plot_training"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule plot_heterogeneity:
    # S_4(q, t), xi_4, G_4, chord lengths, attention lengths: the heterogeneity tables of every
    # temperature of a system, one per source (MD and the figure's models).
    input:
        tables=get_heterogeneity_figure_data,
    output:
        pdf=f"{HETEROGENEITY_FIGURE}.pdf",
        png=report(f"{HETEROGENEITY_FIGURE}.png", caption="../report/heterogeneity.rst", category="Figures",
                   subcategory="{paper}", labels={"figure": "{heterogeneity_figure}", "system": "{system}"}),
        tsv=f"{HETEROGENEITY_FIGURE}.tsv",
    log:
        main="logs/figures/{paper}/{heterogeneity_figure}_{system}.log",
    params:
        figure=get_figure_params,
    threads: 1
    resources:
        **RESOURCES.of("plot_heterogeneity"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT


rule plot_bottleneck:
    # tGlassMLP's bottleneck layer per particle: its predictions (and the MD labels as colours)
    # of the test structures of a system's state points.
    input:
        unpack(get_bottleneck_figure_data),
    output:
        pdf=f"{BOTTLENECK_FIGURE}.pdf",
        png=report(f"{BOTTLENECK_FIGURE}.png", caption="../report/bottleneck.rst", category="Figures",
                   subcategory="{paper}", labels={"figure": "{bottleneck_figure}", "system": "{system}"}),
        tsv=f"{BOTTLENECK_FIGURE}.tsv",
    log:
        main="logs/figures/{paper}/{bottleneck_figure}_{system}.log",
    params:
        figure=get_figure_params,
    threads: 1
    resources:
        **RESOURCES.of("plot_bottleneck"),
    conda:
        CONDA_ENV
    script:
        STAGE_SCRIPT
