"""Rule bilag_1_tables: Tabel 7-1 (the transcription, linked to the offer codes), the element
matrix per printed offer and per offer code, and its agreement with Bilag 4's intention shares."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import bilag_1

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    inp, out = smk.input, smk.output
    offers = settings.offers["offers"]
    codes = [o["code"] for o in offers]
    elements = [e["code"] for e in settings.core_elements["core_elements"]]
    spec = bilag_1.load(inp.bilag_1, codes)
    rulekit.write_csv(bilag_1.offers_table(spec, offers), out.bilag_1_offers)
    intention = pd.read_parquet(inp.intention)
    outcomes = [o["key"] for o in settings.config["core_elements"]["outcomes"]]
    samples = {key: pd.read_parquet(path, columns=["offer", "intervention_type"])
               for key, path in zip(outcomes, inp.frames, strict=True)}
    # every type a course may have (a type with no row of its own, such as 'ikke_oplyst', takes the
    # offer's blank-type row, as intention_per_course resolves it)
    seen = {str(t) for s in samples.values() for t in s["intervention_type"].dropna().unique()}
    types = list(dict.fromkeys([*bilag_1.COURSE_TYPES, *sorted(seen)]))
    long = bilag_1.element_matrix(intention, codes, elements, types=types)
    wide = bilag_1.element_matrix_wide(long, codes, elements)
    rulekit.write_csv(bilag_1.matrix_by_printed_offer(spec, wide).reset_index(), out.bilag_1_matrix)
    rulekit.write_csv(wide.reset_index(), out.bilag_1_matrix_codes)
    published = pd.read_csv(inp.bilag4_intention)
    agreement = bilag_1.agreement(long, samples, published)
    rulekit.write_csv(agreement, out.bilag_1_agreement)
    bad = agreement[~agreement["same"]]
    if len(bad):
        first = bad.iloc[0]
        raise ValueError(f"Bilag 1: the element matrix weighted by the {first['outcome']} sample's courses gives "
                         f"{first['with_intention_matrix']} courses with intention for {first['element']}, Bilag 4's "
                         f"table {inp.bilag4_intention} {first['with_intention_bilag4']}: the matrix and "
                         f"core_elements.intention_per_course resolve the intention extract differently")
    print(f"Bilag 1: {len(spec['offers'])} printed offers, {len(codes)} offer codes; the element matrix gives "
          f"Bilag 4's intention shares in all {len(agreement)} cells")
