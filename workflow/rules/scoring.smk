# Scoring layer: each instrument per course and timepoint by instruments.yaml's rules,
# categorical outcomes, and the pre/post change table. Scores are keyed by course id, so they
# stay under results/interim/.


rule score:
    input:
        responses=CLEAN["responses"],
        courses=CLEAN["courses"],
        instruments=SIDE_FILES["instruments"],
    output:
        **SCORES,
    threads: threads_of("score")
    resources:
        **resources_of("score"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/score.log",
    benchmark:
        "results/benchmarks/score.tsv"
    script:
        "../../scripts/score.py"
