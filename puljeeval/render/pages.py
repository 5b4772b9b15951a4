"""Helpers for the chapter notebooks: Danish number formatting, checked access to the DAG's
products, and the provenance block. Notebooks narrate; everything they show comes from
files the workflow wrote."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.atomic import written

PACKAGES = ["snakemake", "pandas", "numpy", "statsmodels", "matplotlib", "papermill", "nbconvert", "playwright"]


# pages declare an empty icon, so a browser does not request a missing /favicon.ico
NO_FAVICON = '<link rel="icon" href="data:,">'
EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>', re.IGNORECASE)


class ProductError(FileNotFoundError):
    """A product the chapter shows is missing or older than what it is made from."""


def product(path: str | Path, rule: str, made_from: list[str | Path] = ()) -> Path:
    """The path of a DAG product, or a clear error naming what is missing or stale and which
    rule makes it."""
    path = Path(path)
    if not path.exists():
        raise ProductError(f"{path} is missing: it is made by the Snakemake rule '{rule}' "
                           f"(run `snakemake --cores 4 {path}`)")
    for source in made_from:
        source = Path(source)
        if source.exists() and source.stat().st_mtime > path.stat().st_mtime:
            raise ProductError(f"{path} is older than {source}: rerun the rule '{rule}' "
                               f"(`snakemake --cores 4 {path}`)")
    return path


def file_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def git_commit(root: str | Path = ".") -> str:
    """The short commit of the working tree, marked when it has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=root, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True,
                               cwd=root, check=True).stdout.strip()
        return commit + (" (med ændringer, der ikke er committet)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "ukendt (ikke et git-arkiv)"


def config_hash(config: Any) -> str:
    """sha256 (16 hex) of the config keys a step was given (a ConfigView: the keys it holds)."""
    plain = config.plain() if hasattr(config, "plain") else config
    return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()[:16]


def is_synthetic(config: Any) -> bool:
    return config["data_source"] == "twin"


def data_source(config: Any) -> str:
    """The data source in Danish: the twin with its seed and scale, or real extracts."""
    if is_synthetic(config):
        return (f"syntetiske data (den syntetiske tvilling, seed {config['twin']['seed']}, "
                f"skala {config['twin']['scale']}); ikke rigtige resultater")
    return "rigtige udtræk"


SYNTHETIC_TEXT = ("Syntetiske data: alle tal, tabeller og figurer er beregnet på den syntetiske tvilling "
                  "(seed {seed}, skala {scale}), ikke på rigtige data. De viser, at beregningerne virker, "
                  "ikke hvordan det gik børnene og de unge.")


def synthetic_line(config: Any) -> str:
    """The one sentence every output carries when its data are synthetic ('' for real data)."""
    if not is_synthetic(config):
        return ""
    return SYNTHETIC_TEXT.format(seed=config["twin"]["seed"], scale=config["twin"]["scale"])


def banner(config: Any) -> str:
    """The banner at the top of every page when the data are synthetic ('' for real data)."""
    return banner_html(synthetic_line(config))


def banner_html(line: str) -> str:
    from html import escape
    return f'<div class="synthetic" role="note">{escape(line)}</div>' if line else ""


@dataclass(frozen=True)
class Source:
    """Where a page's or workbook's numbers come from, in Danish: the data source, and the
    synthetic-data sentence ('' for real data)."""

    text: str
    synthetic_line: str = ""

    @property
    def synthetic(self) -> bool:
        return bool(self.synthetic_line)

    def banner(self) -> str:
        return banner_html(self.synthetic_line)


def evaluation_source(config: Any) -> Source:
    """The final evaluation's data source (config `data_source`, `twin.seed`, `twin.scale`)."""
    return Source(data_source(config), synthetic_line(config))


MAPPING_SYNTHETIC_TEXT = ("Syntetiske data: kortlægningens tabeller, tal og kort er beregnet på kortlægningens "
                          "syntetiske tvilling (seed {seed}), ikke på rigtige surveysvar. De viser, at beregningerne "
                          "virker; rapportens egne trykte tal står på kortlægningens forside.")


# The input name under which a rule of the mapping is given the survey twin's configuration,
# exactly when the mapping's data are the twin's.
MAPPING_TWIN_INPUT = "kortlaegning_twin"


def mapping_source_of(inputs: Any) -> Source:
    """`mapping_source` for a rule: synthetic exactly when it was given the twin's configuration
    (input MAPPING_TWIN_INPUT), whose `seed` it reports."""
    if MAPPING_TWIN_INPUT not in inputs.keys():
        return mapping_source(False)
    import yaml
    twin = yaml.safe_load(Path(inputs[MAPPING_TWIN_INPUT]).read_text(encoding="utf-8"))
    return mapping_source(True, twin["seed"])


def mapping_source(synthetic: bool, seed: int | None = None) -> Source:
    """The 2016 mapping's data source: its survey twin (config/kortlaegning/twin.yaml's seed) or
    the real survey extracts."""
    if not synthetic:
        return Source("rigtige surveyudtræk (kortlægningen 2016)")
    return Source(f"syntetiske data (kortlægningens syntetiske tvilling, seed {seed}); ikke rigtige surveysvar",
                  MAPPING_SYNTHETIC_TEXT.format(seed=seed))


# Chapter 6's cost input: the input name under which its rules get it, and the line every output
# built from an assumed input carries (as the synthetic-data line does for the twin's data).
COST_INPUT = "cost_input"
COST_ASSUMED_TEXT = ("Antaget eksempelinput: kapitel 6's omkostninger er beregnet på et konstrueret eksempel ({path}), "
                     "som giver rapportens trykte totaler; posterne, volumen og følsomhedsanalyserne bygger på "
                     "antagelser, ikke på tilbuddenes regnskaber (docs/costs.md).")


def cost_source(assumed: bool, path: str) -> Source:
    """Chapter 6's data source: the cost input, assumed (an example) or not."""
    if not assumed:
        return Source(f"omkostningsinput ({path})")
    return Source(f"antaget eksempelinput ({path}), ikke rigtige omkostningsdata", COST_ASSUMED_TEXT.format(path=path))


def cost_source_of(inputs: Any) -> Source | None:
    """`cost_source` for a rule given the cost input (input COST_INPUT); None without it."""
    if COST_INPUT not in inputs.keys():
        return None
    import yaml
    path = str(inputs[COST_INPUT])
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return cost_source(bool(raw.get("assumed", True)), path)


def chapter_source(chapter: str, inputs: Any) -> Source | None:
    """A chapter's own data source when it is not the evaluation's: the mapping's (its survey twin
    or real survey extracts), chapter 6's (its cost input); None for the evaluation's chapters."""
    from puljeeval.publish.registry import MAPPING
    return mapping_source_of(inputs) if chapter == MAPPING else cost_source_of(inputs)


def provenance(config: dict, extract_paths: list[str], config_sources: list[str] = (),
               root: str | Path = ".", source: str | None = None, inputs: str = "Udtræk") -> pd.DataFrame:
    """What a reader needs to trust the page: commit, where the config came from (the default
    file, --configfile files, --config values) and a hash of the config keys the chapter was
    given, input hashes, versions, data source and render time. `source`: the data source in
    words when it is not the evaluation's (the mapping's); `inputs`: what the hashed files are."""
    rows = [("Git-commit", git_commit(root)),
            ("Konfiguration", " + ".join(config_sources) or "config/config.yaml"),
            ("Konfiguration brugt af kapitlet (sha256)", config_hash(config)),
            ("Datakilde", data_source(config) if source is None else source)]
    rows += [(f"{inputs} {Path(p).name} (sha256)", file_hash(p) if Path(p).exists() else "mangler")
             for p in extract_paths]
    rows += [(f"Version {p}", importlib.metadata.version(p)) for p in PACKAGES]
    rows.append(("Renderet", dt.datetime.now().astimezone().isoformat(timespec="seconds")))
    return pd.DataFrame(rows, columns=["Oplysning", "Værdi"])


def figure_html(folder: str | Path, stem: str, rule: str = "figures") -> str:
    """A figure on a page: the PNG embedded, with the alt text and the anchor the figures rule
    (`rule`) wrote beside it (`<stem>.json`: number, title, alt; the caption lines are in the image)."""
    import base64
    from html import escape
    png = product(Path(folder) / f"{stem}.png", rule)
    meta = json.loads(product(Path(folder) / f"{stem}.json", rule).read_text(encoding="utf-8"))
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    title = f"{meta['number']}: {meta['title']}"
    anchor = stem.replace("_", "-")          # figur_4_11 and figur_4_11_niveauer are both "Figur 4-11"
    return (f'<figure class="fig" id="{escape(anchor)}" data-title="{escape(title)}">'
            f'<img src="data:image/png;base64,{data}" alt="{escape(meta["alt"])}"></figure>')


# Tags of the mapping's notebook (one notebook, one page per chapter): a cell tagged with a page's
# stem is on that page, one tagged EVERY_PAGE on each (the provenance), one tagged SETUP only on the
# page with the code.
EVERY_PAGE, SETUP = "alle_sider", "opsaetning"


def page_cells(nb: Any, stem: str, with_code: bool) -> Any:
    """The notebook with only the cells of the page `stem` (and those on every page; with the
    code also the parameters and the set-up)."""
    import copy
    keep = {stem, EVERY_PAGE} | ({SETUP, "parameters", "injected-parameters"} if with_code else set())
    out = copy.copy(nb)
    out.cells = [c for c in nb.cells if keep & set(c.get("metadata", {}).get("tags", []))]
    return out


@functools.cache
def _exporter(with_code: bool) -> Any:
    """One HTML exporter per kind of page and process: building one compiles nbconvert's templates
    (a third of a second), and a rule writes several pages."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(exclude_input=not with_code, exclude_input_prompt=True, exclude_output_prompt=True)
    if not with_code:
        remove = TagRemovePreprocessor(remove_cell_tags={"parameters", "injected-parameters"})
        exporter.register_preprocessor(remove, enabled=True)
    return exporter


def to_html(executed: str | Path, out: str | Path, with_code: bool, title: str = "", stem: str | None = None,
            chapters: dict[str, str] | None = None, page: str | None = None,
            links: list[tuple[str, str, str]] = (), nb: Any = None) -> None:
    """HTML of an executed chapter: for reviewers without code and without the parameter
    cells; for auditors with code (the injected parameters stay visible there). With `title`,
    the page gets the report's layout (render/layout.py): Danish, its title, the shared header
    with links to the index and the neighbouring chapters, a table of contents, print styles.
    `page`: only that page's cells of a notebook of several pages (`page_cells`); `links`: more
    header links (href, rel, text); `nb`: the notebook already read."""
    import nbformat

    from puljeeval.render import layout

    nb = nb if nb is not None else nbformat.read(str(executed), as_version=4)
    if page is not None:
        nb = page_cells(nb, page, with_code)
    body, _ = _exporter(with_code).from_notebook_node(nb)
    body = body.replace("<head>", "<head>\n" + NO_FAVICON, 1)
    # self-contained pages: the template's CDN scripts (require.js, MathJax) are not needed here
    # and would fail on a closed network
    body = EXTERNAL_SCRIPT.sub("", body)
    if title:
        body = layout.finish_chapter(body, title if not with_code else f"{title} (med kode)", stem, chapters or {},
                                     links)
    with written(out) as tmp:
        tmp.write_text(body, encoding="utf-8")


INDEX_INTRO = (
    "Her er de kvantitative analyser i slutevalueringen af puljen til behandlingstilbud til børn og unge fra "
    "familier med alkohol- eller stofmisbrug (2016-2019) genskabt: forløbenes registreringer og frafald, børnenes "
    "og de unges trivsel og livsmestring målt med WHO-5, SDQ, YP-CORE og CORE-OM, forældreredskabet for de 0-2-årige, "
    "kerneelementernes betydning og tilbuddenes produktion. Alt er beregnet af et åbent, reproducerbart "
    "Snakemake-workflow fra udtræk, der følger projektets datakontrakt; hvert tal i kapitlerne er sammenlignet med "
    "rapportens, og alle publicerede tabeller er under diskretionskontrol.")
DATA_TEXT = {
    True: ("Datakilde: {source}. De rigtige udtræk er fortrolige; standarddata er derfor en syntetisk tvilling, "
           "der har samme form som udtrækkene og er kalibreret til rapportens offentliggjorte tabeller."),
    False: "Datakilde: {source}.",
}


MAPPING_INTRO = (
    "Kortlægningen af indsatser til børn og unge fra familier med stof- eller alkoholmisbrug (Rambøll 2016) er "
    "genskabt som rapportens anden del: tilbuddenes geografi, størrelse og kompetencer, indsatstyper, rekruttering "
    "og samarbejde, alle rapportens tabeller beregnet fra kortlægningens surveydata (datakontrakt, syntetisk "
    "tvilling) og publiceret under en diskretionspolitik for navngivne tilbud. Forsiden viser rapportens egne "
    "tilbudstabeller og hvor dens trykte tal modsiger hinanden.")
MAPPING_PART_TITLE = "Del 2. Kortlægningen 2016"


@dataclass(frozen=True)
class MappingPart:
    """The mapping's part of the index: its front page, chapter pages (stem -> title), the page
    with the code, its downloads (label -> path) and data source."""

    front: str
    chapters: dict[str, str]
    code: str
    downloads: dict[str, str]
    source: Source


def mapping_index_html(part: MappingPart) -> str:
    """The mapping's section of the index (paths relative to results/report/)."""
    from html import escape
    items = "".join(f'<li><a href="{escape(stem)}.html">{escape(title)}</a></li>'
                    for stem, title in part.chapters.items())
    files = "".join(f'<li><a href="{escape(path)}">{escape(label)}</a></li>' for label, path in part.downloads.items())
    data = DATA_TEXT[part.source.synthetic].format(source=part.source.text)
    return (f'<h2 id="kortlaegning">{escape(MAPPING_PART_TITLE)}</h2>{part.source.banner()}'
            f"<p>{escape(MAPPING_INTRO)}</p><p>{escape(data)}</p>"
            f'<ul><li><a href="{escape(part.front)}"><b>Kortlægningens forside</b></a>: rapportens egne '
            f"tilbudstabeller og dens selvmodsigelser</li>{items}"
            f'<li><a href="{escape(part.code)}">Alle kortlægningens kapitler med kode</a></li></ul>'
            f"<h3>Kortlægningens downloads</h3><ul>{files}</ul>")


def index_html(chapters: dict[str, str], summary: str, downloads: dict[str, str], banner_html: str = "",
               checks: dict[str, str] | None = None, config: Any = None, mapping: MappingPart | None = None) -> str:
    """The front page: the synthetic-data banner (when the data are), an introduction, links to
    the chapters (reviewer and code pages) and the whole report as PDF, the reproduction check
    (its Danish summary and `checks`: label -> page or file) and the downloads; then the mapping's
    part (`mapping`). Paths are relative to results/report/."""
    from html import escape

    from puljeeval.render import html_table, layout
    items = "".join(f'<li><a href="{stem}.html">{escape(title)}</a> '
                    f'(<a href="{stem}_kode.html">med kode</a>, <a href="{stem}.ipynb">notebook</a>)</li>'
                    for stem, title in chapters.items())
    files = "".join(f'<li><a href="{escape(path)}">{escape(label)}</a></li>' for label, path in downloads.items())
    check_items = "".join(f'<li><a href="{escape(path)}">{escape(label)}</a></li>'
                          for label, path in (checks or {}).items())
    data = DATA_TEXT[is_synthetic(config)].format(source=data_source(config)) if config is not None else ""
    return ("<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\">" + NO_FAVICON +
            f"<title>Forside - {escape(layout.REPORT_TITLE)}</title>" + html_table.STYLE +
            "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.5}</style>"
            "</head><body>" + banner_html +
            f"<h1>{escape(layout.REPORT_TITLE)}</h1><p><i>{escape(layout.REPORT_SUBTITLE)}</i></p>"
            f"<p>{escape(INDEX_INTRO)}</p>" + (f"<p>{escape(data)}</p>" if data else "") +
            '<p><a href="rapport.pdf"><b>Hele rapporten som PDF</b></a> '
            '(<a href="rapport.html">som én side</a>)</p>'
            f"<h2>Kapitler</h2><ul>{items}"
            + (f'<li><a href="{escape(mapping.front)}">{escape(MAPPING_PART_TITLE)}</a> (kapitlerne nederst)</li>'
               if mapping else "")
            + "</ul>"
            f"<h2>Reproduktion af rapportens tal</h2><p>{escape(summary)}</p><ul>{check_items}</ul>"
            f"<h2>Downloads</h2><ul>{files}</ul>" + (mapping_index_html(mapping) if mapping else "")
            + "</body></html>\n")
