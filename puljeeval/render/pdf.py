"""The whole report as one document and one PDF, made from the same pages reviewers read.

`document` puts a front page, the contents, every chapter page (without its site header and
its own table of contents), the reproduction check's summary and the provenance into one HTML
document with print styles (render/layout.py); `print_pdf` prints it to A4 with headless
Chromium through Playwright (Debian's chromium, as README's set-up installs it).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from puljeeval.render import layout

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

DOCUMENT_CSS = """
@page { size: A4; margin: 18mm 13mm 16mm 13mm;
  @top-left { content: "%(report)s"; font: 8pt sans-serif; color: #555; }
  @bottom-right { content: "Side " counter(page) " af " counter(pages); font: 8pt sans-serif; color: #555; } }
@page front { @top-left { content: none; } @bottom-right { content: none; } }
%(named)s
@page wide { size: A4 landscape; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; }
section.front { page: front; text-align: left; padding-top: 60mm; }
section.front h1 { font-size: 22pt; line-height: 1.2; }
section.front .subtitle { font-size: 13pt; color: #333; }
section.front dl { margin-top: 30mm; font-size: 10pt; }
section.front dt { font-weight: bold; }
section.front dd { margin: 0 0 0.6em 0; }
section.contents, section.chapter, section.appendix, section.part { break-before: page; }
section.part { page: front; padding-top: 60mm; }
section.part h1 { font-size: 20pt; line-height: 1.2; }
section.contents ol { line-height: 1.6; font-size: 11pt; }
section.contents ol ol { font-size: 0.92em; line-height: 1.4; }
"""


def chromium() -> str:
    """The path of the Chromium to print with; an error saying how to install it when missing."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError("the report PDF is printed with headless Chromium, which is not installed: run "
                            "`apt-get install -y chromium` (README.md, Set up)")


def _body_of(path: str | Path) -> BeautifulSoup:
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")


def _chapter_section(stem: str, title: str, path: str | Path) -> tuple[str, list[tuple[str, str]], str]:
    """A chapter page as a section: its ids prefixed with the chapter (every page has a
    'Proveniens' heading), links inside it rewritten; returns (html, [(anchor, h2 text)], css)."""
    soup = _body_of(path)
    css = "".join(str(s) for s in soup.head.find_all("style")) if soup.head else ""
    body = soup.body
    for tag in body.select("header.site, nav.toc"):
        tag.decompose()
    for tag in body.find_all(id=True):
        tag["id"] = f"{stem}-{tag['id']}"
    for a in body.find_all("a", href=True):
        if a["href"].startswith("#"):
            a["href"] = f"#{stem}-{a['href'][1:]}"
    sections = [(h["id"], " ".join(h.get_text(" ").replace("¶", "").split()))
                for h in body.find_all("h2") if h.get("id")]
    inner = "".join(str(c) for c in body.contents)
    return (f'<section class="chapter" id="{escape(stem)}" style="page: {escape(stem)}">{inner}</section>',
            sections, css)


def _reproduction_section(path: str | Path) -> str:
    """The reproduction page up to its full table (which is in the CSV): summary, method and the
    report's own contradictions."""
    soup = _body_of(path)
    parts = []
    for tag in soup.body.children:
        if not isinstance(tag, Tag):
            continue
        if tag.name == "h2" and "Alle tal" in tag.get_text():
            break
        if tag.name == "header" or (tag.name == "p" and tag.find("a", href="index.html")):
            continue
        if tag.name == "div" and "synthetic" in tag.get("class", []):
            continue
        if tag.name == "h1":
            tag["id"] = "reproduktion"
        parts.append(str(tag))
    return f'<section class="appendix" id="reproduktion-afsnit">{"".join(parts)}</section>'


@dataclass(frozen=True)
class Part:
    """A part of the document after the final evaluation (the 2016 mapping): its title, an
    introduction (HTML), its synthetic-data banner and its chapter pages (stem -> title, stem ->
    page)."""

    id: str
    title: str
    intro: str
    banner_html: str
    chapters: dict[str, str]
    pages: dict[str, str | Path]


def _part_section(part: Part, sections: list[str], contents: list[str]) -> str:
    """A part's title page and chapters (appended to `sections` and `contents`); its css."""
    sections.append(f'<section class="part" id="{escape(part.id)}"><h1>{escape(part.title)}</h1>'
                    f"{part.banner_html}{part.intro}</section>")
    items, css = [], ""
    for stem, title in part.chapters.items():
        html, heads, page_css = _chapter_section(stem, title, part.pages[stem])
        css = css or page_css
        sections.append(html)
        subs = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in heads)
        items.append(f'<li><a href="#{escape(stem)}">{escape(title)}</a><ol>{subs}</ol></li>')
    contents.append(f'<li><a href="#{escape(part.id)}">{escape(part.title)}</a><ol>{"".join(items)}</ol></li>')
    return css


def document(chapters: dict[str, str], pages: dict[str, str | Path], reproduction_page: str | Path,
             facts: list[tuple[str, str]], banner_html: str, parts: list[Part] = ()) -> str:
    """The report as one HTML document (`chapters`: stem -> title; `pages`: stem -> reviewer
    page; `facts`: (item, value) rows of the front page: data source, commit, config; `parts`:
    further parts, each after a title page of its own: the mapping)."""
    sections, contents, css = [], [], ""
    for stem, title in chapters.items():
        html, heads, page_css = _chapter_section(stem, title, pages[stem])
        css = css or page_css
        sections.append(html)
        subs = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in heads)
        contents.append(f'<li><a href="#{escape(stem)}">{escape(title)}</a><ol>{subs}</ol></li>')
    contents.append('<li><a href="#reproduktion">Reproduktion af rapportens tal</a></li>')
    after: list[str] = []
    for part in parts:
        part_css = _part_section(part, after, contents)
        css = css or part_css
    every = {**chapters, **{stem: title for part in parts for stem, title in part.chapters.items()}}
    named = "\n".join(f'@page {stem} {{ @top-left {{ content: "{layout.css_string(title)}"; }} }}'
                      for stem, title in every.items())
    style = DOCUMENT_CSS % {"report": layout.css_string(layout.REPORT_TITLE), "named": named}
    front = (f'<section class="front"><h1>{escape(layout.REPORT_TITLE)}</h1>'
             f'<p class="subtitle">{escape(layout.REPORT_SUBTITLE)}</p>{banner_html}<dl>'
             + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts) + "</dl></section>")
    toc = f'<section class="contents"><h2>Indhold</h2><ol>{"".join(contents)}</ol></section>'
    return ('<!DOCTYPE html>\n<html lang="da"><head><meta charset="utf-8">'
            f"<title>{escape(layout.REPORT_TITLE)}</title>{css}<style>{style}</style></head><body>"
            + front + toc + "".join(sections) + _reproduction_section(reproduction_page) + "".join(after)
            + "</body></html>\n")


def print_pdf(html_path: str | Path, pdf_path: str | Path, browser: str | None = None) -> None:
    """Print an HTML file to an A4 PDF with headless Chromium (page sizes and running headers
    from the document's CSS; links and headings become PDF links and an outline)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=browser or chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = chrome.new_page()
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.pdf(path=str(pdf_path), format="A4", print_background=True, prefer_css_page_size=True,
                     outline=True, tagged=True)
        finally:
            chrome.close()
