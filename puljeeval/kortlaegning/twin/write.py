"""The twin written as the mapping's survey extracts, in the data contract
(puljeeval/data/schemas/kortlaegning/, docs/kortlaegning_data_contract.md).

`TRANSLATION` is the one place that knows how the twin's variables (config/kortlaegning/twin.yaml
`variables`, whose categories are mostly the report's printed row labels) become the contract's
columns and codes: a single-choice variable is one code column (a code '' is a blank); a
multi-choice variable is a group of 0/1 columns, all blank where the question was not asked or
the twin's `ubesvaret` (not answered) was drawn, the "Ved ikke" column alone where that was
ticked. The six actor questions are rows of `tilbud_aktoerer` (one per offer and question).
tests/test_kortlaegning_twin.py checks that the table covers every category of every variable
and names only the contract's columns and codes. Ids become strings (T01, K001, I001, B001);
municipalities are the contract's 3-digit codes.

Files: the seven extracts (`EXTRACTS`), CSV, UTF-8, comma, LF line ends, columns in the schema's
order, rows sorted by their ids, so the same twin gives the same bytes; beside them
`twin_calibration.csv`, every printed cell the twin was calibrated to or checked against, with
its status (reproduced, relaxed, real_data_differs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from puljeeval.kortlaegning.contract import EXTRACTS, SCHEMA_DIR
from puljeeval.kortlaegning.twin.generate import AGE_LABELS, Twin

CALIBRATION_FILE = "twin_calibration.csv"
FILES = {name: f"{name}.csv" for name in EXTRACTS}
ID_FORMATS = {"offer": "T{:02d}", "candidate": "K{:03d}", "intervention": "I{:03d}", "branch": "B{:03d}"}
UNIT_EXTRACTS = {"tilbud": "tilbud", "indsats": "indsatser", "kommune": "breddesurvey", "kandidat": "nettoliste"}


@dataclass(frozen=True)
class Single:
    """A single-choice variable: one code column; `text`, the column of the free text drawn for it."""

    column: str
    codes: dict[str, str]
    text: str | None = None


@dataclass(frozen=True)
class Multi:
    """A multi-choice variable: category -> its 0/1 column (None: not answered, every column blank).
    `group`: every 0/1 column of the question (default: those of `columns`), 0 unless ticked;
    `question`: its row's question in `tilbud_aktoerer`; `text`: the column of its free text."""

    columns: dict[str, str | None]
    group: tuple[str, ...] = ()
    question: str | None = None
    text: str | None = None
    all_columns: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        cols = self.group or tuple(dict.fromkeys(c for c in self.columns.values() if c))
        object.__setattr__(self, "all_columns", cols)


ACTORS = {
    "Skoler": "skoler", "Familierådgivningen/myndighed på børne- og familieområdet": "familieraadgivning",
    "Socialforvaltning/myndighed på socialområdet": "socialforvaltning",
    "Forældre eller andre omsorgspersoner i børnenes/de unges private netværk": "foraeldre",
    "Sundhedsplejersker": "sundhedsplejersker", "Jobcentre": "jobcentre",
    "Rusmiddelbehandlingscentre": "rusmiddelcentre",
    "Daginstitutioner": "daginstitutioner", "PPR (pædagogisk psykologisk rådgivning)": "ppr", "Læger": "laeger",
    "SSP (samarbejde mellem skole, sociale myndigheder og politi)": "ssp", "Psykologer": "psykologer",
    "Frivillige organisationer": "frivillige", "Jordemødre": "jordemoedre", "Andet, uddyb venligst": "andet",
    "Ved ikke": "ved_ikke", "ubesvaret": None,
}
ACTOR_COLUMNS = tuple(c for c in ACTORS.values() if c)


def _actors(question: str) -> Multi:
    return Multi(ACTORS, ACTOR_COLUMNS, question, "andet_text")


TRANSLATION: dict[str, Single | Multi] = {
    # tilbud
    "sektor": Single("sector", {"Privat": "privat", "Offentlig": "offentlig"}),
    "pulje": Single("in_pool", {"ikke_pulje": "0", "pulje": "1"}),
    "forankring": Single("anchoring", {
        "Selvstændigt organiseret tilbud (fx privat tilbud, frivillig forening)": "selvstaendig",
        "Del af en større, landsdækkende organisering (fx TUBA). Angiv venligst hvilken:": "landsdaekkende",
        "Organiseret under kommunal rusmiddelbehandling": "kommunal_rusmiddel",
        "Organiseret under kommunal familieafdeling": "kommunal_familie", "Andet": "andet", "Ved ikke": "ved_ikke"},
        text="anchoring_text"),
    "misbrug": Single("substance", {"alkohol_og_stof": "alkohol_og_stof", "alkohol": "alkohol", "stof": "stof",
                                    "ved_ikke": "ved_ikke"}),
    # the size group follows from the staff counts; an offer without stated staff did not answer
    "stoerrelse": Single("staff_answer", {"lille": "angivet", "mellem": "angivet", "stor": "angivet",
                                          "ikke_angivet": ""}),
    "uddannelse": Multi({"Pædagoger, socialpædagoger": "edu_paedagog", "Socialrådgivere": "edu_socialraadgiver",
                         "Psykologer": "edu_psykolog", "Sygeplejersker": "edu_sygeplejerske", "Læger": "edu_laege",
                         "Psykiatere": "edu_psykiater", "Andet": "edu_andet", "Ved ikke": "edu_ved_ikke"},
                        text="edu_andet_text"),
    "erfaring": Multi({"0-2 år": "exp_0_2", "3-5 år": "exp_3_5", "6-10 år": "exp_6_10", "Mere end 10 år": "exp_over_10",
                       "Ved ikke": "exp_ved_ikke"}),
    "efteruddannelse": Multi({
        "Sundhedsstyrelsens uddannelse i familieorienteret alkoholbehandling (gennem COK)":
            "efter_cok_familieorienteret",
        "Frid Hansens kursus i metoder til familieorienteret alkoholbehandling": "efter_frid_hansen",
        "Sundhedsstyrelsens grunduddannelse i alkoholbehandling (gennem COK)": "efter_cok_grunduddannelse",
        "Psykoterapeutisk uddannelse": "efter_psykoterapeutisk",
        "Motiverende samtale (MI), seks eller flere dage": "efter_mi_6_plus",
        "Temadage med fokus på rusmidler i familier 3-5 dage (fx gennem seminarer.dk, COK eller lignende)":
            "efter_temadage_3_5",
        "Temadage med fokus på rusmidler i familier, seks eller flere dage (fx gennem seminarer.dk, COK eller "
        "lignende)": "efter_temadage_6_plus",
        "Motiverende samtale (MI), 1-2 dage": "efter_mi_1_2", "Motiverende samtale (MI), 3-5 dage": "efter_mi_3_5",
        "Temadage med fokus på rusmidler i familier 1-2 dage (fx gennem seminarer.dk, COK eller lignende)":
            "efter_temadage_1_2",
        "Masteruddannelse i udsatte børn og unge (Aalborg Universitet)": "efter_master_udsatte_boern",
        "Masteruddannelse i narkotika og alkoholindsatser (Aarhus Universitet)": "efter_master_narkotika_alkohol",
        "Uddannelse i gruppebehandling/gruppeleder": "efter_gruppeleder",
        "Den sociale diplomuddannelse – moduler på rusmiddelområdet (Metropol)": "efter_diplom_rusmiddel",
        "Misbrugsuddannelse via Amt eller Region": "efter_misbrug_amt_region",
        "Danish Addiction Counselor (DAC-uddannelse)": "efter_dac",
        "Den sociale diplomuddannelse – Børn og unge (Metropol)": "efter_diplom_boern_unge",
        "Anden relevant efteruddannelse": "efter_anden", "Ved ikke": "efter_ved_ikke"}, text="efter_anden_text"),
    "familieinddragelse": Single("family_involved", {"ja": "ja", "nej": "nej"}),
    "familieformer": Multi({
        "Forældrene indgår i indsatsen til børnene/de unge": "fam_foraeldre_indgaar",
        "Tilbuddet har særskilt indsats til stof-/alkoholmisbrugende forælder/forældre": "fam_misbrugende_foraelder",
        "Tilbuddet har særskilt forældrerådgivning/forældresparring": "fam_foraeldreraadgivning",
        "Tilbuddet har særskilt indsats til andre pårørende/familiemedlemmer": "fam_andre_paaroerende",
        "Tilbuddet har særskilt indsats for ikke-misbrugende partner/ægtefælle": "fam_ikke_misbrugende_partner"}),
    "rekrutteringsstrategi": Single("recruitment_strategy", {"Ja": "ja", "Nej": "nej"}, text="recruitment_text"),
    # tilbud_aktoerer
    "henvisere": _actors("henvisning"),
    "samarbejde_under": _actors("samarbejde_under"),
    "samarbejde_efter": _actors("samarbejde_efter"),
    "top3_henvendelser": _actors("top3_henvisning"),
    "top3_samarbejde": _actors("top3_samarbejde_under"),
    "top3_opfoelgning": _actors("top3_samarbejde_efter"),
    # indsatser
    "metode": Multi({
        "Narrativ tilgang": "met_narrativ", "Kognitiv terapi": "met_kognitiv", "Motiverende samtale (MI)": "met_mi",
        "Psykoedukation": "met_psykoedukation", "Mentalisering": "met_mentalisering",
        "Løsningsfokuseret Tilgang (LØFT)": "met_loeft", "Eklektisk/pluralistisk tilgang": "met_eklektisk",
        "Mestringsfokuseret metode": "met_mestring", "Udviklingsstøttende metode": "met_udviklingsstoettende",
        "NUSSA (Neuroaffektiv Udviklingspsykologisk Struktureret Social Aktivitet)": "met_nussa",
        "Feedback Informed Treatment (FIT)": "met_fit", "Neuroaffektiv tilgang": "met_neuroaffektiv",
        "Ingen bestemt tilgang": "met_ingen_bestemt", "Andet/øvrige, beskriv": "met_andet", "Ved ikke": "met_ved_ikke",
        "ubesvaret": None}, text="met_andet_text"),
    "andet_metode": Multi({
        "Systemisk tilgang": "andet_systemisk", "Recovery": "andet_recovery",
        "Eksternalisering": "andet_eksternalisering",
        "Anerkendende": "andet_anerkendende", "”Du bestemmer”-metoden (kognitiv og systemisk)": "andet_du_bestemmer",
        "Den oplevelsesorienterede tilgang": "andet_oplevelsesorienteret", "Coaching": "andet_coaching",
        "Andet (ikke omkodet)": "andet_oevrige"}),
    # breddesurvey, nettoliste
    "besvarelse": Single("response", {"Gennemført": "gennemfoert", "Nogle svar": "nogle_svar",
                                      "Ikke gennemført": "ikke_gennemfoert"}),
    "screening": Single("screening", {"I målgruppen": "i_maalgruppen", "Ikke i målgruppen": "ikke_i_maalgruppen",
                                      "Faldet fra": "afslog", "Ikke været mulige at få kontakt til": "ingen_kontakt"}),
}
# What is not a survey variable of the twin's configuration: staff counts per kind (twin/staff.py;
# the derived "has volunteers" is not an answer, Tabel 4-2 counts staff_volunteer > 0), the ages
# (real, Tabel 9-3), the coverage sources (twin/uncalibrated.py).
STAFF = {"fuldtid": "staff_fulltime", "deltid": "staff_parttime", "frivillige": "staff_volunteer"}
AGES = {col: col for col in AGE_LABELS}
COVERAGE_SOURCES = {"filial": "filial", "dybdesurvey": "tilbuddet", "breddesurvey": "breddesurvey"}


def schema_columns(name: str) -> list[str]:
    """The contract's columns of one extract, in its schema's order."""
    text = (SCHEMA_DIR / f"{name}.schema.yaml").read_text(encoding="utf-8")
    doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    return list(doc["properties"])


def _id(kind: str, value: Any) -> str:
    return "" if pd.isna(value) else ID_FORMATS[kind].format(int(value))


def _number(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _single(frame: pd.DataFrame, name: str, spec: Single) -> dict[str, list[str]]:
    out = {spec.column: []}
    for answer in frame[name]:
        if answer is None or (not isinstance(answer, str) and pd.isna(answer)):
            out[spec.column].append("")      # not asked
        elif answer not in spec.codes:
            raise KeyError(f"write.TRANSLATION[{name!r}]: no code for the twin's category {answer!r}")
        else:
            out[spec.column].append(spec.codes[answer])
    if spec.text:
        out[spec.text] = [_text(v) for v in frame[f"{name}_text"]]
    return out


def _ticks(name: str, spec: Multi, answer: Any) -> dict[str, str]:
    """One answer of a multi-choice variable as its 0/1 columns ('' each when not asked or not answered)."""
    blank = dict.fromkeys(spec.all_columns, "")
    if not isinstance(answer, tuple):
        return blank                          # not asked
    unknown = [c for c in answer if c not in spec.columns]
    if unknown:
        raise KeyError(f"write.TRANSLATION[{name!r}]: no column for the twin's categories {unknown}")
    cols = [spec.columns[c] for c in answer]
    if None in cols:
        return blank                          # the twin's `ubesvaret`
    return {c: "1" if c in cols else "0" for c in spec.all_columns}


def _multi(frame: pd.DataFrame, name: str, spec: Multi) -> dict[str, list[str]]:
    rows = [_ticks(name, spec, answer) for answer in frame[name]]
    out = {c: [r[c] for r in rows] for c in spec.all_columns}
    if spec.text:
        out[spec.text] = [_text(v) for v in frame[f"{name}_text"]]
    return out


def _variables(frame: pd.DataFrame, unit: str, units: dict[str, str]) -> dict[str, list[str]]:
    """The columns of every single- and (non-actor) multi-choice variable of `unit`."""
    out: dict[str, list[str]] = {}
    for name, of in units.items():
        spec = TRANSLATION[name]
        if of != unit or (isinstance(spec, Multi) and spec.question):
            continue
        out.update(_single(frame, name, spec) if isinstance(spec, Single) else _multi(frame, name, spec))
    return out


def _frame(name: str, columns: dict[str, list[str]], n: int, sort: list[str]) -> pd.DataFrame:
    """The extract with the schema's columns in its order (a column the twin has nothing for is blank)."""
    wanted = schema_columns(name)
    stray = [c for c in columns if c not in wanted]
    if stray:
        raise KeyError(f"write: columns {stray} are not columns of the contract's {name} extract")
    frame = pd.DataFrame({c: columns.get(c, [""] * n) for c in wanted}, dtype=object)
    return frame.sort_values(sort, kind="stable").reset_index(drop=True)


def extracts(twin: Twin) -> dict[str, pd.DataFrame]:
    """The seven extracts as frames of strings ('' is blank), keyed by extract name."""
    variables = twin.units
    missing = [v for v in variables if v not in TRANSLATION]
    if missing:
        raise KeyError(f"write.TRANSLATION has no entry for the twin's variables {missing}")
    offers, inter, kommuner, cands = twin.offers, twin.interventions, twin.municipalities, twin.candidates
    out = {}
    out["breddesurvey"] = _frame("breddesurvey", {
        "municipality": list(kommuner["municipality_code"]),
        **_variables(kommuner, "kommune", variables),
        "offers_named": [_number(v) for v in kommuner["offers_named"]]}, len(kommuner), ["municipality"])
    out["nettoliste"] = _frame("nettoliste", {
        "candidate_id": [_id("candidate", v) for v in cands["candidate_id"]],
        "name": [_text(v) for v in cands["name"]], "source": list(cands["source"]),
        **_variables(cands, "kandidat", variables)}, len(cands), ["candidate_id"])
    staff = {col: [_number(v) for v in offers[f"medarbejdere_{kind}"]] for kind, col in STAFF.items()}
    out["tilbud"] = _frame("tilbud", {
        "offer_id": [_id("offer", v) for v in offers["offer_id"]], "offer_name": list(offers["offer_name"]),
        "candidate_id": [_id("candidate", v) for v in offers["candidate_id"]],
        **{col: [str(int(v)) for v in offers[src]] for src, col in AGES.items()},
        **_variables(offers, "tilbud", variables), **staff}, len(offers), ["offer_id"])
    out["tilbud_aktoerer"] = _actor_rows(offers, variables)
    out["indsatser"] = _frame("indsatser", {
        "intervention_id": [_id("intervention", v) for v in inter["intervention_id"]],
        "offer_id": [_id("offer", v) for v in inter["offer_id"]], "type": list(inter["type"]),
        "description": [_text(v) for v in inter["description"]],
        **_variables(inter, "indsats", variables),
        "sessions_answer": list(inter["sessions_answer"]), "sessions": [_number(v) for v in inter["sessions"]],
        "duration_answer": list(inter["duration_answer"]),
        "duration_months": [_number(v) for v in inter["duration_months"]],
        "frequency": list(inter["frequency"])}, len(inter), ["intervention_id"])
    br = twin.branches
    out["filialer"] = _frame("filialer", {
        "branch_id": [_id("branch", v) for v in br["branch_id"]], "offer_id": [_id("offer", v) for v in br["offer_id"]],
        "municipality": list(br["municipality_code"]), "name": [_text(v) for v in br["name"]]}, len(br), ["branch_id"])
    cov = twin.coverage
    out["daekning"] = _frame("daekning", {
        "offer_id": [_id("offer", v) for v in cov["offer_id"]], "municipality": list(cov["municipality_code"]),
        "source": [COVERAGE_SOURCES[s] for s in cov["source"]]}, len(cov), ["offer_id", "municipality", "source"])
    return {name: out[name] for name in EXTRACTS}


def _actor_rows(offers: pd.DataFrame, variables: dict[str, str]) -> pd.DataFrame:
    """`tilbud_aktoerer`: one row per offer and actor question, in the schema's question order."""
    questions = [(name, spec) for name, spec in TRANSLATION.items()
                 if isinstance(spec, Multi) and spec.question and name in variables]
    rows = []
    for oid, (_, offer) in zip(offers["offer_id"], offers.iterrows(), strict=True):
        for name, spec in questions:
            rows.append({"offer_id": _id("offer", oid), "question": spec.question,
                         **_ticks(name, spec, offer[name]), "andet_text": _text(offer[f"{name}_text"])})
    columns = {c: [r.get(c, "") for r in rows] for c in schema_columns("tilbud_aktoerer")}
    return _frame("tilbud_aktoerer", columns, len(rows), ["offer_id"])


def write(twin: Twin, directory: Path) -> list[Path]:
    """Write the seven extracts and the calibration report into `directory`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    frames = [*((FILES[name], frame) for name, frame in extracts(twin).items()),
              (CALIBRATION_FILE, twin.calibration)]
    for name, frame in frames:
        path = directory / name
        write_csv(frame, path)
        paths.append(path)
    return paths


def write_csv(frame: pd.DataFrame, path: Path | str) -> None:
    """One file as the extracts are written (UTF-8, comma, LF; blanks as empty fields)."""
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
