"""Rule synthetic_twin: the twin's blocks (rule twin_block) joined into the raw extracts at the
extract paths, streamed file by file (puljeeval/twin/files.py, join_parts); the intention
extract is block 0's, which every block shares."""

from puljeeval import rulekit
from puljeeval.twin import files

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    for name in smk.output.keys():
        given = smk.input[name]
        parts = [given] if isinstance(given, str) else list(given)
        lines = files.join_parts(parts, smk.output[name])
        print(f"{name}: {len(parts)} block(s), {lines} lines after the header -> {smk.output[name]}")
