# The disclosure audit: every published table of every chapter read as a reader has it (the
# disclosure-controlled tables with their cell statuses), the feasible range of every hidden
# count computed by linear programming over the tables' arithmetic and the relations between
# tables, and the output-checking record for whoever clears the outputs
# (docs/output_checking.md). The run stops when a hidden count below the threshold is pinned to a
# range narrower than disclosure.audit.min_range, or a model is shown with fewer residual degrees
# of freedom than disclosure.min_residual_df.

DISCLOSURE_AUDIT = {
    "record": "results/disclosure/output_checking.csv",
    "summary": "results/disclosure/summary.txt",
}


rule disclosure_audit:
    input:
        masked=[PUBLISHED_CHAPTERS[ch]["masked"] for ch in PUBLISHED_CHAPTERS],
        tables=SIDE_FILES["tables"],
    output:
        **DISCLOSURE_AUDIT,
    params:
        config=cfg("disclosure"),
    threads: threads_of("disclosure_audit")
    resources:
        **resources_of("disclosure_audit"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/disclosure_audit.log",
    benchmark:
        "results/benchmarks/disclosure_audit.tsv"
    script:
        "../../scripts/disclosure_audit.py"
