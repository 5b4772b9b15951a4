"""Helpers for the chapter notebooks: Danish number formatting, checked access to the DAG's
products, and the provenance block. Notebooks narrate; everything they show comes from
files the workflow wrote."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import re
import subprocess
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
    from html import escape
    line = synthetic_line(config)
    return f'<div class="synthetic" role="note">{escape(line)}</div>' if line else ""


def provenance(config: dict, extract_paths: list[str], config_sources: list[str] = (),
               root: str | Path = ".") -> pd.DataFrame:
    """What a reader needs to trust the page: commit, where the config came from (the default
    file, --configfile files, --config values) and a hash of the config keys the chapter was
    given, input hashes, versions, data source and render time."""
    rows = [("Git-commit", git_commit(root)),
            ("Konfiguration", " + ".join(config_sources) or "config/config.yaml"),
            ("Konfiguration brugt af kapitlet (sha256)", config_hash(config)),
            ("Datakilde", data_source(config))]
    rows += [(f"Udtræk {Path(p).name} (sha256)", file_hash(p) if Path(p).exists() else "mangler")
             for p in extract_paths]
    rows += [(f"Version {p}", importlib.metadata.version(p)) for p in PACKAGES]
    rows.append(("Renderet", dt.datetime.now().astimezone().isoformat(timespec="seconds")))
    return pd.DataFrame(rows, columns=["Oplysning", "Værdi"])


def figure_html(folder: str | Path, stem: str) -> str:
    """A figure on a page: the PNG embedded, with the alt text and the anchor the figures rule
    wrote beside it (`<stem>.json`: number, title, alt; the caption lines are in the image)."""
    import base64
    from html import escape
    png = product(Path(folder) / f"{stem}.png", "figures")
    meta = json.loads(product(Path(folder) / f"{stem}.json", "figures").read_text(encoding="utf-8"))
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    title = f"{meta['number']}: {meta['title']}"
    anchor = stem.replace("_", "-")          # figur_4_11 and figur_4_11_niveauer are both "Figur 4-11"
    return (f'<figure class="fig" id="{escape(anchor)}" data-title="{escape(title)}">'
            f'<img src="data:image/png;base64,{data}" alt="{escape(meta["alt"])}"></figure>')


def to_html(executed: str | Path, out: str | Path, with_code: bool, title: str = "", stem: str | None = None,
            chapters: dict[str, str] | None = None) -> None:
    """HTML of an executed chapter: for reviewers without code and without the parameter
    cells; for auditors with code (the injected parameters stay visible there). With `title`,
    the page gets the report's layout (render/layout.py): Danish, its title, the shared header
    with links to the index and the neighbouring chapters, a table of contents, print styles."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    from puljeeval.render import layout

    nb = nbformat.read(str(executed), as_version=4)
    exporter = HTMLExporter(exclude_input=not with_code, exclude_input_prompt=True, exclude_output_prompt=True)
    if not with_code:
        remove = TagRemovePreprocessor(remove_cell_tags={"parameters", "injected-parameters"})
        exporter.register_preprocessor(remove, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    body = body.replace("<head>", "<head>\n" + NO_FAVICON, 1)
    # self-contained pages: the template's CDN scripts (require.js, MathJax) are not needed here
    # and would fail on a closed network
    body = EXTERNAL_SCRIPT.sub("", body)
    if title:
        body = layout.finish_chapter(body, title if not with_code else f"{title} (med kode)", stem, chapters or {})
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


def index_html(chapters: dict[str, str], summary: str, downloads: dict[str, str], banner_html: str = "",
               checks: dict[str, str] | None = None, config: Any = None) -> str:
    """The front page: the synthetic-data banner (when the data are), an introduction, links to
    the chapters (reviewer and code pages) and the whole report as PDF, the reproduction check
    (its Danish summary and `checks`: label -> page or file) and the downloads. Paths are
    relative to results/report/."""
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
            f"<h2>Kapitler</h2><ul>{items}</ul>"
            f"<h2>Reproduktion af rapportens tal</h2><p>{escape(summary)}</p><ul>{check_items}</ul>"
            f"<h2>Downloads</h2><ul>{files}</ul></body></html>\n")
