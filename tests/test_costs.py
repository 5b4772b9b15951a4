"""Chapter 6's cost model (puljeeval/costs/): the cost function by hand, the example input against
the report's 15 totals, the input's errors, and the sensitivity analyses' response to config."""

from __future__ import annotations

import copy
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml

from puljeeval.costs import inputs, model, sensitivity, tables
from puljeeval.publish import display

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config/costs/example.yaml"
PUBLISHED = ROOT / "config/costs/published.yaml"
SENSITIVITY = ROOT / "config/costs/sensitivity.yaml"


def write(tmp_path: Path, raw: dict, name: str = "input.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def one_offer() -> dict:
    """One offer, one group-course scenario: the input of test_hand_worked_case."""
    def row(**kw):
        base = {"offer": "X", "course_type": "all", "basis": "period", "unit": "samlet", "price_year": 2019,
                "financed_by": "pulje", "quantified": True, "category": "c", "reason": "test"}
        return {**base, **kw}
    return {
        "assumed": True, "price_year": 2019, "period_years": 2,
        "financing": {"pulje": "Puljemidler", "kommune": "Kommunal medfinansiering"},
        "offers": {"X": {"label": "Tilbud X", "description": "Et prøvetilbud."}},
        "volumes": [{"offer": "X", "course_type": "group", "capacity": 8, "fill": 0.75, "courses": 4, "sessions": 10,
                     "session_hours": 2, "staff_per_session": 2, "preparation_hours": 1, "intake_hours": 1,
                     "documentation_hours": 2, "hourly_cost": 500, "reason": "test"}],
        "resources": [
            row(phase="establishment", item="Lokaler", quantity=1, unit_price=24000),
            row(phase="training", item="Kursus", quantity=2, unit_price=6000),
            row(phase="investment", item="Udstyr", quantity=1, unit_price=9600, lifetime_years=4),
            row(phase="operation", course_type="group", basis="year", item="Husleje", quantity=1, unit_price=12000),
            row(phase="operation", course_type="group", basis="session", item="Materialer", quantity=1,
                unit_price=60),
            row(phase="operation", course_type="group", basis="participant", item="Transport", quantity=1,
                unit_price=100),
            row(phase="operation", course_type="group", basis="year", item="Ledelse", quantity=1, unit_price=5000,
                financed_by="kommune", quantified=False),
        ],
    }


def test_hand_worked_case(tmp_path):
    """One group scenario, worked by hand:

    participants P = courses 4 x capacity 8 x fill 0,75 = 24
    establishment: 24.000 / 24 = 1.000 kr.
    training: 2 x 6.000 = 12.000 / 24 = 500 kr.
    investment: 9.600 over a 4-year life, 2 years in the period: 9.600 x 2/4 = 4.800 / 24 = 200 kr.
    therapists per course: 500 kr./h x (10 sessions x 2 staff x (2 h + 1 h prep) + 6 participants x (1 + 2) h)
                         = 500 x (60 + 18) = 39.000; x 4 courses = 156.000
    rent 12.000 x 2 years = 24.000; materials 60 x 10 sessions x 4 courses = 2.400; transport 100 x 24 = 2.400
    operation: (156.000 + 24.000 + 2.400 + 2.400) / 24 = 184.800 / 24 = 7.700 kr.
    drift = 500 + 7.700 + 200 = 8.400; total = 1.000 + 8.400 = 9.400 kr. per participant.
    Full cost adds management 5.000 x 2 years = 10.000 / 24 = 416,67 kr. to operation."""
    inp = inputs.load_input(write(tmp_path, one_offer()))
    pp = model.per_participant(inp, "X", "group")
    assert pp == pytest.approx({"establishment": 1000, "training": 500, "investment": 200, "operation": 7700,
                                "drift": 8400, "total": 9400})
    full = model.per_participant(inp, "X", "group", full_cost=True)
    assert full["operation"] == pytest.approx(7700 + 10000 / 24)
    assert full["establishment"] == pytest.approx(1000)


def test_break_even_group_size_by_hand(tmp_path):
    """Add an individual scenario and check the break-even size against the cost evaluated there:
    at n* participants per group course a group course costs exactly the individual total."""
    raw = one_offer()
    raw["volumes"].append({"offer": "X", "course_type": "individual", "capacity": 1, "fill": 1.0, "courses": 30,
                           "sessions": 10, "session_hours": 1, "staff_per_session": 1, "preparation_hours": 0.5,
                           "intake_hours": 1, "documentation_hours": 2, "hourly_cost": 500, "reason": "test"})
    inp = inputs.load_input(write(tmp_path, raw))
    n = model.break_even_group_size(inp, "X")
    individual = float(model.per_participant(inp, "X", "individual")["total"])
    at_n = model.per_participant(inp, "X", "group", model.volumes_with(inp, "X", "group", {"capacity": n, "fill": 1}))
    assert float(at_n["total"]) == pytest.approx(individual)
    # more participants than n* make the group course the cheaper one, fewer the dearer
    assert float(model.per_participant(inp, "X", "group", model.volumes_with(
        inp, "X", "group", {"capacity": n + 1, "fill": 1}))["total"]) < individual
    assert float(model.per_participant(inp, "X", "group", model.volumes_with(
        inp, "X", "group", {"capacity": n - 1, "fill": 1}))["total"]) > individual
    # an offer with one course type has no break-even size
    assert model.break_even_group_size(inputs.load_input(write(tmp_path, one_offer(), "one.yaml")), "X") is None


def test_example_reproduces_the_15_printed_totals_at_printed_precision():
    inp = inputs.load_input(EXAMPLE)
    pub = inputs.load_published(PUBLISHED)
    assert inp.assumed
    count = 0
    for ctype, offers in pub["totals"].items():
        for offer, parts in offers.items():
            pp = model.per_participant(inp, offer, ctype)
            for part, key in (("establishment", "establishment"), ("operation", "drift"), ("total", "total")):
                assert display.rounded(float(pp[key]), 0) == parts[part], (ctype, offer, part)
                count += 1
    assert count == 15
    # C's individual courses are not assessed, as in the report
    assert ("C", "individual") not in inp.volumes


def test_example_names_the_reports_unquantified_items():
    frame = tables.unquantified_check(inputs.load_input(EXAMPLE), inputs.load_published(PUBLISHED))
    assert len(frame) == 10 and frame["same"].all(), frame[~frame["same"]]


def test_ratio_statements_flag_the_reports_almost_three_times():
    frame = tables.ratios(inputs.load_input(EXAMPLE), inputs.load_published(PUBLISHED)).set_index("key")
    assert frame.loc["group_operation_a_c", "printed_ratio"] == pytest.approx(55792 / 22100)
    assert not frame.loc["group_operation_a_c", "words_hold"]
    assert frame.loc["group_operation_a_b", "words_hold"] and frame.loc["group_establishment_b_c", "words_hold"]
    # the model's ratio from the amounts as shown equals the printed ratio (the example reproduces them)
    assert (frame["ratio"] - frame["printed_ratio"]).abs().max() < 1e-12


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["resources"][3].pop("unit_price"), r"resources\[3\] \(offer X, group, operation, 'Husleje'\): "
                                                    r"'unit_price' is missing"),
    (lambda r: r["resources"][1].update(quantity=-2), r"resources\[1\] \(offer X, all, training, 'Kursus'\): "
                                                      r"'quantity' is -2; expected a number >= 0"),
    (lambda r: r["resources"][5].update(financed_by="fonden"),
     r"resources\[5\] \(offer X, group, operation, 'Transport'\): financed_by 'fonden' is not a financing code"),
    (lambda r: r["resources"][2].pop("lifetime_years"), r"resources\[2\] .*'lifetime_years' is missing"),
    (lambda r: r["resources"][0].update(offer="Y"), r"resources\[0\] \(offer Y.*offer 'Y' is not one of \['X'\]"),
    (lambda r: r["volumes"][0].update(fill=1.2), r"volumes\[0\] \(offer X, group\): 'fill' is 1.2"),
])
def test_bad_input_stops_naming_file_row_and_key(tmp_path, change, message):
    raw = copy.deepcopy(one_offer())
    change(raw)
    path = write(tmp_path, raw)
    with pytest.raises(inputs.CostInputError, match=message) as err:
        inputs.load_input(path)
    assert str(path) in str(err.value)


def sens_raw() -> dict:
    return yaml.safe_load(SENSITIVITY.read_text(encoding="utf-8"))


def test_tornado_changing_one_range_changes_only_its_bar(tmp_path):
    inp = inputs.load_input(EXAMPLE)
    base = sensitivity.tornado(inp, inputs.load_sensitivity(SENSITIVITY))
    raw = sens_raw()
    raw["drivers"]["hourly_cost"]["high"] = 1.4
    other = sensitivity.tornado(inp, inputs.load_sensitivity(write(tmp_path, raw, "s.yaml")))
    key = ["offer", "course_type", "driver"]
    cols = ["total_at_low", "total_at_high", "swing"]
    a = base.set_index(key)[cols]
    b = other.set_index(key)[cols].reindex(a.index)
    changed = (a != b).any(axis=1)
    assert set(changed[changed].index.get_level_values("driver")) == {"hourly_cost"}
    assert changed.sum() == len(inp.scenarios())
    # the raised end raises the total; the low end is untouched
    hourly = b.xs("hourly_cost", level="driver")
    assert (hourly["total_at_high"] > a.xs("hourly_cost", level="driver")["total_at_high"]).all()
    assert (hourly["total_at_low"] == a.xs("hourly_cost", level="driver")["total_at_low"]).all()


def test_probabilistic_responds_to_its_ranges_and_is_seeded(tmp_path):
    inp = inputs.load_input(EXAMPLE)
    sens = inputs.load_sensitivity(SENSITIVITY)
    first, again = sensitivity.probabilistic(inp, sens), sensitivity.probabilistic(inp, sens)
    assert first.equals(again)
    raw = sens_raw()
    raw["drivers"]["fill"]["low"] = 0.9          # a narrower fill range: only group courses move
    narrow = sensitivity.probabilistic(inp, inputs.load_sensitivity(write(tmp_path, raw, "s.yaml")))
    group = first["course_type"] == "group"
    assert (narrow.loc[group, "high"] < first.loc[group, "high"]).all()
    assert narrow.loc[~group, ["mean", "low", "high"]].equals(first.loc[~group, ["mean", "low", "high"]])
    # the interval holds the base scenario's total for every scenario (the ranges contain the base)
    assert ((first["low"] <= first["base_total"] + 1e-9) & (first["base_total"] <= first["high"] + 1e-9)).all()


def test_relative_ranges_must_contain_the_base_value(tmp_path):
    raw = sens_raw()
    raw["drivers"]["sessions"]["low"] = 1.1
    with pytest.raises(inputs.CostInputError, match=r"drivers.sessions: a relative range must contain 1"):
        inputs.load_sensitivity(write(tmp_path, raw, "s.yaml"))


def test_full_cost_adds_exactly_the_unquantified_rows():
    inp = inputs.load_input(EXAMPLE)
    full = sensitivity.full_cost(inp).set_index(["offer", "course_type"])
    for offer, ctype in inp.scenarios():
        vol = inp.volumes[offer, ctype]
        added = sum(model.row_amount(r, vol, inp.period_years)
                    for r in model.scenario_rows(inp, offer, ctype, full_cost=True) if not r["quantified"])
        assert full.loc[(offer, ctype), "difference"] == pytest.approx(added / model.participants(vol))
        assert full.loc[(offer, ctype), "difference"] > 0


def test_volumes_broadcast_over_draws():
    inp = inputs.load_input(EXAMPLE)
    fills = np.array([0.5, 1.0])
    pp = model.per_participant(inp, "A", "group", model.volumes_with(inp, "A", "group", {"fill": fills}))
    one = model.per_participant(inp, "A", "group", model.volumes_with(inp, "A", "group", {"fill": 0.5}))
    assert pp["total"][0] == pytest.approx(one["total"])
    assert pp["total"][1] == pytest.approx(model.per_participant(inp, "A", "group")["total"])


def test_a_whole_offer_row_is_spread_over_each_course_types_own_participants(tmp_path):
    """The report's rule, by hand: the whole offer's establishment (24.000 kr.) counted in full in
    each course type, over that type's participants: 24 group participants (4 x 8 x 0,75) give
    1.000 kr. each, 30 individual participants 800 kr. each. A course-type row stays in its type:
    12 individual courses x 500 kr. (basis course) = 6.000 / 30 = 200 kr. An investment with a
    lifetime shorter than the period counts in full (9.600 x min(1, 2/1) = 9.600)."""
    raw = one_offer()
    raw["volumes"].append({"offer": "X", "course_type": "individual", "capacity": 1, "fill": 1.0, "courses": 30,
                           "sessions": 10, "session_hours": 1, "staff_per_session": 1, "preparation_hours": 0,
                           "intake_hours": 0, "documentation_hours": 0, "hourly_cost": 500, "reason": "test"})
    raw["resources"][2]["lifetime_years"] = 1
    raw["resources"].append({**raw["resources"][3], "course_type": "individual", "basis": "course",
                             "item": "Materialer", "unit_price": 200})
    inp = inputs.load_input(write(tmp_path, raw))
    group, individual = model.per_participant(inp, "X", "group"), model.per_participant(inp, "X", "individual")
    assert group["establishment"] == pytest.approx(1000) and individual["establishment"] == pytest.approx(800)
    assert individual["investment"] == pytest.approx(9600 / 30) and group["investment"] == pytest.approx(400)
    # individual operation: therapists 500 x 10 x 1 h = 5.000 per course = 5.000 per participant, + 200
    assert individual["operation"] == pytest.approx(5000 + 30 * 200 / 30)


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["resources"][0].update(price_year=2018), r"price_year 2018 differs from the input's price_year"),
    (lambda r: r["resources"][3].update(course_type="individual"), r"has individual resources but no volumes"),
    (lambda r: r["resources"][1].update(balancing="false"), r"'balancing' is 'false'; expected true or false"),
    (lambda r: r["resources"][3].update(course_type="all"), r"a whole-offer row \(course type 'all'\) is for"),
    (lambda r: r["resources"].append(dict(r["resources"][0])), r"resources\[7\].*the same offer, course type"),
    (lambda r: r.update(extra=1), r"unknown keys \['extra'\]"),
    (lambda r: r["financing"].pop("pulje"), r"the grant pool's code 'pulje' is missing"),
    (lambda r: r["volumes"][0].update(sessions=0), r"'sessions' is 0; expected a number > 0"),
])
def test_more_bad_input_is_refused(tmp_path, change, message):
    raw = copy.deepcopy(one_offer())
    change(raw)
    with pytest.raises(inputs.CostInputError, match=message):
        inputs.load_input(write(tmp_path, raw))


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["drivers"]["fill"].update(applies_to=["individual", "group"]), r"fill applies to group courses"),
    (lambda r: r["drivers"]["sessions"].update(aplies_to=["group"]), r"unknown keys \['aplies_to'\]"),
    (lambda r: r["drivers"]["hourly_cost"].update(low=0), r"'low' is 0; expected a number > 0"),
    (lambda r: r["drivers"].update(again={**r["drivers"]["sessions"]}), r"moved by another driver"),
])
def test_bad_ranges_are_refused(tmp_path, change, message):
    raw = sens_raw()
    change(raw)
    with pytest.raises(inputs.CostInputError, match=message):
        inputs.load_sensitivity(write(tmp_path, raw, "s.yaml"))


def test_an_absolute_range_must_contain_the_base_value(tmp_path):
    raw = sens_raw()
    raw["drivers"]["fill"].update(low=0.2, high=0.5)
    sens = inputs.load_sensitivity(write(tmp_path, raw, "s.yaml"))
    with pytest.raises(inputs.CostInputError, match=r"driver 'fill': the range \[0.2, 0.5\] does not contain"):
        sensitivity.tornado(inputs.load_input(EXAMPLE), sens)


def test_printed_parts_must_add_up(tmp_path):
    raw = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))
    raw["totals"]["group"]["C"]["total"] = 22534
    with pytest.raises(inputs.CostInputError, match=r"totals.group.C: establishment 433 \+ operation 22100"):
        inputs.load_published(write(tmp_path, raw, "p.yaml"))


def test_draws_are_paired_within_an_offer_and_a_new_driver_moves_no_other_draws(tmp_path):
    inp = inputs.load_input(EXAMPLE)
    sens = inputs.load_sensitivity(SENSITIVITY)
    # the offer's relative driver draws the same multipliers for both course types
    one = next(d for d in sens.drivers if d.key == "hourly_cost")
    stream = lambda: np.random.default_rng([sens.seed, zlib.crc32(b"A"), zlib.crc32(b"hourly_cost")])  # noqa: E731
    ind = sensitivity.draw(one, inp.volumes["A", "individual"]["hourly_cost"], stream(), 50)
    grp = sensitivity.draw(one, inp.volumes["A", "group"]["hourly_cost"], stream(), 50)
    assert np.allclose(ind / inp.volumes["A", "individual"]["hourly_cost"],
                       grp / inp.volumes["A", "group"]["hourly_cost"])
    # a driver for individual courses only: the group scenarios' draws do not move
    raw = sens_raw()
    raw["drivers"]["intake"] = {"label": "Opstart", "parameter": "intake_hours", "scale": "relative", "low": 0.5,
                                "high": 1.5, "distribution": "uniform", "applies_to": ["individual"]}
    before = sensitivity.probabilistic(inp, sens).set_index(["offer", "course_type"])
    after = sensitivity.probabilistic(inp, inputs.load_sensitivity(write(tmp_path, raw, "s.yaml"))).set_index(
        ["offer", "course_type"])
    group = before.index.get_level_values("course_type") == "group"
    assert before.loc[group, ["mean", "low", "high"]].equals(after.loc[group, ["mean", "low", "high"]])
    assert not before.loc[~group, "mean"].equals(after.loc[~group, "mean"])


def test_chapter6_reproduction_rows():
    from puljeeval.evaluation import reproduction
    inp, pub = inputs.load_input(EXAMPLE), inputs.load_published(PUBLISHED)
    frames = tables.all_tables(inp, inputs.load_sensitivity(SENSITIVITY), pub)
    totals = tables.totals(inp)
    rows = reproduction.chapter6(totals, frames["ratios"], pub).set_index("quantity")
    amounts = rows[rows["kind"] == "amount"]
    assert len(amounts) == 15 and amounts["within_tolerance"].all() and amounts["could_fail"].all()
    ratios = rows[rows["kind"] == "ratio"]
    assert len(ratios) == 3 and ratios["within_tolerance"].all()
    assert ratios["report_inconsistent"].tolist() == [False, True, False]
    # a cost function that drifted by a krone would fail its rows
    drifted = totals.assign(total=totals["total"] + 1)
    assert not reproduction.chapter6(drifted, frames["ratios"], pub).query("kind == 'amount'")["within_tolerance"].all()
