# Scoring layer: each instrument per course and timepoint by instruments.yaml's rules,
# categorical outcomes, and the pre/post change table. Scores are keyed by course id, so they
# stay under results/interim/. Partitioned (config `partitions.score`): score_part scores one
# contiguous range of course ids per job; score joins them in order and computes the pre/post
# table, which needs the whole sample (reliable change's baseline SD and alpha). The joined
# tables are the same bytes for any number of partitions (tests/test_score_partitions.py).


rule score_part:
    input:
        responses=CLEAN["responses"],
        courses=CLEAN["courses"],
        instruments=SIDE_FILES["instruments"],
    output:
        **{name: temp(SCORE_PART.replace("{name}", name))
           for name in scoring.part_names(SETTINGS.instruments["instruments"])},
    params:
        parts=SCORE_PARTS,
    wildcard_constraints:
        part="[0-9]+",
    threads: threads_of("score_part")
    resources:
        **resources_of("score_part", RESOURCE_SCALE / SCORE_PARTS),
    conda:
        "../../environment.yml"
    log:
        "results/logs/score_part_{part}.log",
    benchmark:
        "results/benchmarks/score_part_{part}.tsv"
    script:
        "../../scripts/score_part.py"


rule score:
    input:
        **{scoring.part_input(part, name): SCORE_PART.format(part=part, name=name)
           for part in range(SCORE_PARTS) for name in scoring.part_names(SETTINGS.instruments["instruments"])},
        courses=CLEAN["courses"],
        instruments=SIDE_FILES["instruments"],
    output:
        **SCORES,
    params:
        parts=SCORE_PARTS,
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
