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
from babel.numbers import format_decimal, format_percent

from puljeeval.atomic import written

LOCALE = "da_DK"
PACKAGES = ["snakemake", "pandas", "numpy", "statsmodels", "matplotlib", "papermill", "great-tables", "babel"]


# pages declare an empty icon, so a browser does not request a missing /favicon.ico
NO_FAVICON = '<link rel="icon" href="data:,">'
EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>', re.IGNORECASE)


class ProductError(FileNotFoundError):
    """A product the chapter shows is missing or older than what it is made from."""


def num(x: float, decimals: int = 0, locale: str = LOCALE) -> str:
    """9957 -> '9.957', 51.6 -> '51,6' (decimal comma, thousands point)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(x, format=pattern, locale=locale)


def pct(share_pct: float, decimals: int = 0, locale: str = LOCALE) -> str:
    """A share in percent as Danish text: 72.0 -> '72 pct.'."""
    return f"{num(share_pct, decimals, locale)} pct."


def share(fraction: float, locale: str = LOCALE) -> str:
    return format_percent(fraction, locale=locale)


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


def read_csv(path: str | Path, rule: str) -> pd.DataFrame:
    return pd.read_csv(product(path, rule))


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


def to_html(executed: str | Path, out: str | Path, with_code: bool) -> None:
    """HTML of an executed chapter: for reviewers without code and without the parameter
    cells; for auditors with code (the injected parameters stay visible there)."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

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
    with written(out) as tmp:
        tmp.write_text(body, encoding="utf-8")


def index_html(chapters: dict[str, str], summary: str, downloads: dict[str, str], banner_html: str = "",
               checks: dict[str, str] | None = None) -> str:
    """The front page: the synthetic-data banner (when the data are), links to the chapters
    (reviewer and code pages), the reproduction check (its Danish summary and `checks`: label ->
    page or file) and the downloads. Paths are relative to results/report/."""
    from html import escape
    items = "".join(f'<li><a href="{stem}.html">{escape(title)}</a> '
                    f'(<a href="{stem}_kode.html">med kode</a>, <a href="{stem}.ipynb">notebook</a>)</li>'
                    for stem, title in chapters.items())
    files = "".join(f'<li><a href="{escape(path)}">{escape(label)}</a></li>' for label, path in downloads.items())
    check_items = "".join(f'<li><a href="{escape(path)}">{escape(label)}</a></li>'
                          for label, path in (checks or {}).items())
    return ("<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\">" + NO_FAVICON +
            "<title>Evaluering af puljen: kapitler</title>"
            "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.5}"
            ".synthetic{background:#fff3cd;border:1px solid #d39e00;padding:.6em 1em;margin:1em 0;"
            "font-weight:bold}</style>"
            "</head><body>" + banner_html +
            "<h1>Behandlingstilbud til børn og unge fra familier med stof- eller alkoholmisbrug</h1>"
            f"<h2>Kapitler</h2><ul>{items}</ul>"
            f"<h2>Reproduktion af rapportens tal</h2><p>{escape(summary)}</p><ul>{check_items}</ul>"
            f"<h2>Downloads</h2><ul>{files}</ul></body></html>\n")
