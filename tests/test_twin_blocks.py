"""The twin in blocks (issue 17, item 1): a twin of scale k is k blocks, each a job of its own
(rule twin_block), joined file by file (rule synthetic_twin). Joining the blocks' files gives the
bytes of writing the whole twin at once, in every dialect the extracts use; the blocks' course
ids, person ids and CPR numbers never collide; a block cannot draw its own intention."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from puljeeval.settings import ROOT, read_yaml
from puljeeval.twin import files
from puljeeval.twin import generate as synthetic
from puljeeval.twin.inputs import SIDE_FILES, TwinInputs, read_side_files

DIALECTS = [(";", "cp1252"), (";", "utf-8"), (",", "utf-8")]


@pytest.mark.parametrize(("separator", "encoding"), DIALECTS)
def test_joined_parts_are_the_bytes_of_one_file(tmp_path, separator, encoding):
    frame = pd.DataFrame({"course_id": [f"F{i:03d}" for i in range(7)],
                          "navn": ["Ærø", "Søren", "", "å", "x;y", "a,b", "z"],
                          "score": [1.5, 2.0, np.nan, 0.25, 3.0, 4.5, 1.0]})
    files.write_csv(frame, tmp_path / "whole.csv", separator, encoding)
    parts = []
    for i, rows in enumerate((slice(0, 3), slice(3, 4), slice(4, 7))):
        parts.append(tmp_path / f"part{i}.csv")
        files.write_csv(frame.iloc[rows], parts[-1], separator, encoding)
    lines = files.join_parts(parts, tmp_path / "joined.csv")
    assert (tmp_path / "joined.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert lines == len(frame)


def test_several_workbooks_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match=r"kerneelementer\.xlsx: a twin of 2 blocks writes this extract as CSV"):
        files.join_parts([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], tmp_path / "kerneelementer.xlsx")


def test_block_identifiers_and_cpr_serials_are_disjoint():
    one = synthetic.Block(0, 1)
    assert one.ident("F", 12, 7) == "F0000012" and one.serials == (0, 500)
    blocks = [synthetic.Block(b, 3) for b in range(3)]
    assert [b.ident("T", 5, 6) for b in blocks] == ["T000000005", "T001000005", "T002000005"]
    assert [b.serials for b in blocks] == [(0, 166), (166, 333), (333, 500)]
    with pytest.raises(ValueError, match="twin block 3 of 3"):
        synthetic.Block(3, 3)


@pytest.fixture(scope="module")
def inputs() -> TwinInputs:
    config = read_yaml(ROOT / "config" / "config.yaml")
    side = read_side_files({k: ROOT / config["files"][k] for k in SIDE_FILES})
    return TwinInputs.of({**config["twin"], "scale": 2}, side)


def test_a_block_other_than_the_first_takes_block_0s_intention(inputs):
    with pytest.raises(ValueError, match="block 0 draws the intention"):
        synthetic.generate_block(inputs, 1, synthetic.Block(1, 2))


@pytest.mark.workflow        # two report-scale blocks: about 30 s
def test_two_blocks_joined_are_the_twin_of_scale_2(inputs, tmp_path):
    config = inputs.twin
    seed = config["seed"]
    first = synthetic.generate_block(inputs, seed, synthetic.Block(0, 2))
    second = synthetic.generate_block(inputs, seed, synthetic.Block(1, 2), synthetic.block_intention(first))
    whole = synthetic.concat([first, second])
    names = {"registrations": "r.csv", "background": "b.csv", "questionnaires": "q.csv", "fidelity": "f.csv",
             "intention": "i.xlsx"}
    for label, twin in (("b0", first), ("b1", second), ("whole", whole)):
        synthetic.write(twin, {n: tmp_path / label / f for n, f in names.items()}, config["extract_formats"])
    for name, fname in names.items():
        parts = [tmp_path / "b0" / fname] + ([tmp_path / "b1" / fname] if name != "intention" else [])
        files.join_parts(parts, tmp_path / "joined" / fname)
        assert (tmp_path / "joined" / fname).read_bytes() == (tmp_path / "whole" / fname).read_bytes(), name
    regs = whole.registrations
    assert regs["course_id"].is_unique and regs["course_id"].is_monotonic_increasing
    assert len(regs) == len(first.registrations) + len(second.registrations)
    # no child of one block shares a CPR or a local id with a child of the other
    for column in ("cpr", "person_id"):
        ids = [set(t.registrations[column]) - {""} for t in (first, second)]
        test_cprs = {f"{c[:6]}-{c[6:]}" for c in config["test_persons"]["cprs"]}
        assert not (ids[0] & ids[1]) - test_cprs, column
    # the intention extract is one, shared
    assert whole.intention.equals(first.intention) and second.intention.equals(first.intention)
