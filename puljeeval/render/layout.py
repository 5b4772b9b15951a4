"""What every report page shares: Danish language and a real title, a header with the report's
title and links to the index and the previous and next chapter, a table of contents with anchors
to every section, table and figure, and the stylesheets for screen and for printing on A4.

`finish_chapter` rewrites the HTML nbconvert made of an executed chapter; the figures and tables
already carry their anchors (`figure.fig[id]`, `table.pub[id]`, made by render/pages.py and
render/html_table.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bs4 import BeautifulSoup, Tag

REPORT_TITLE = "Behandlingstilbud til børn og unge fra familier med stof- eller alkoholmisbrug"
REPORT_SUBTITLE = "Slutevaluering af puljen 2016-2019, genskabt"
INDEX = "index.html"

# A4 with room for the running header and the page numbers. A wide table gets a landscape page
# of its own (`page: wide`); tables wider than that are split into column groups on the page
# already (render/html_table.py).
PRINT_CSS = """
@page { size: A4; margin: 18mm 13mm 16mm 13mm;
  @top-left { content: "__RUNNING__"; font: 8pt sans-serif; color: #555; }
  @bottom-right { content: "Side " counter(page) " af " counter(pages); font: 8pt sans-serif; color: #555; } }
@page wide { size: A4 landscape; }
@media print {
  header.site nav, nav.toc, .screen-only { display: none !important; }
  body, .jp-Notebook, .jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output,
  .jp-Cell-outputWrapper, .jp-Cell-outputArea, .jp-RenderedHTMLCommon, .jp-RenderedHTML,
  .jp-RenderedMarkdown, .jp-RenderedImage, main {
    display: block !important; width: auto !important; max-width: 100% !important;
    overflow: visible !important; padding-left: 0 !important; padding-right: 0 !important;
    margin-left: 0 !important; margin-right: 0 !important; }
  .jp-OutputPrompt, .jp-InputPrompt, .jp-Collapser { display: none !important; }
  .table-wrap { overflow: visible !important; }
  .table-wrap.wide { page: wide; }
  table.pub { font-size: 6.5pt !important; max-width: 100%; }
  table.pub th, table.pub td { padding: 1px 3px !important; }
  table.pub th { white-space: normal !important; }
  table.pub tr, figure.fig { break-inside: avoid; }
  table.pub thead { display: table-header-group; }
  /* a figure taller than the page would be pushed to the next one and leave a blank page */
  figure.fig img { max-width: 100% !important; max-height: 235mm !important; width: auto !important;
                   height: auto !important; }
  h1, h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  body { font-size: 9.5pt; }
}
@media screen { .print-only { display: none !important; } }
"""

SCREEN_CSS = """
header.site { border-bottom: 1px solid #ccc; margin: 0 0 1em; padding: 0.6em 0; font-family: sans-serif; }
header.site .report { font-weight: bold; }
header.site nav a { margin-right: 1.2em; }
nav.toc { border: 1px solid #ddd; background: #fafafa; padding: 0.5em 1em; margin: 1em 0; font-size: 0.9em;
          font-family: sans-serif; line-height: 1.5; }
nav.toc ul { list-style: none; margin: 0.2em 0; padding-left: 0; }
nav.toc ul.items { padding-left: 1.5em; font-size: 0.92em; }
nav.toc li.level1 { padding-left: 0.8em; }
nav.toc ul.items li { color: #444; }
.table-wrap { overflow-x: auto; max-width: 100%; }
figure.fig { margin: 1em 0; }
figure.fig img { max-width: 100%; height: auto; }
"""


def site_header(chapters: dict[str, str], current: str | None, more: Sequence[tuple[str, str, str]] = ()) -> str:
    """The header of every page: the report's title and links to the index, the previous and
    the next chapter (`chapters`: stem -> title, in report order); `more`: further links (href,
    rel, text) after the index, such as the mapping's front page."""
    stems = list(chapters)
    links = [f'<a href="{INDEX}" rel="index">Forside</a>']
    links += [f'<a href="{escape(href)}" rel="{escape(rel)}">{escape(text)}</a>' for href, rel, text in more]
    if current in chapters:
        i = stems.index(current)
        if i > 0:
            links.append(f'<a href="{stems[i - 1]}.html" rel="prev">&larr; {escape(chapters[stems[i - 1]])}</a>')
        if i + 1 < len(stems):
            links.append(f'<a href="{stems[i + 1]}.html" rel="next">{escape(chapters[stems[i + 1]])} &rarr;</a>')
    return (f'<header class="site"><div class="report">{escape(REPORT_TITLE)}</div>'
            f'<nav aria-label="Rapportens sider">{"".join(links)}</nav></header>')


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").replace("¶", "").split())


def contents(soup: BeautifulSoup) -> list[tuple[str, str, str]]:
    """(kind, anchor, text) of every section heading (h2, h3), table and figure in page order."""
    out = []
    for tag in soup.find_all(["h2", "h3", "table", "figure"]):
        if tag.name in ("h2", "h3") and tag.get("id"):
            out.append((tag.name, tag["id"], _text(tag)))
        elif tag.name == "table" and "pub" in tag.get("class", []) and tag.get("id") \
                and "provenance" not in tag.get("class", []):
            caption = tag.find("caption")
            out.append(("table", tag["id"], _text(caption) if caption else tag["id"]))
        elif tag.name == "figure" and tag.get("id") and tag.get("data-title"):
            out.append(("figure", tag["id"], tag["data-title"]))
    return out


def toc_html(entries: list[tuple[str, str, str]]) -> str:
    """The table of contents: the sections (numbered as the report numbers them, in their
    headings), each with its tables and figures listed under it."""
    groups: list[tuple[str, str, list[str]]] = []           # (class, link, items under it)
    for kind, anchor, text in entries:
        link = f'<a href="#{escape(anchor)}">{escape(text)}</a>'
        if kind in ("h2", "h3"):
            groups.append(("level0" if kind == "h2" else "level1", link, []))
        else:
            if not groups:
                groups.append(("level0", "", []))
            groups[-1][2].append(f'<li class="{kind}">{link}</li>')
    items = "".join(f'<li class="{cls}">{link}'
                    + (f'<ul class="items">{"".join(sub)}</ul>' if sub else "") + "</li>"
                    for cls, link, sub in groups)
    return f'<nav class="toc" aria-label="Indhold"><b>Indhold</b><ul>{items}</ul></nav>'


def _framed(html: str, title: str, stem: str | None, chapters: dict[str, str],
            links: Sequence[tuple[str, str, str]] = ()) -> BeautifulSoup:
    """What every page gets: `lang="da"`, its title, the stylesheets and the shared header."""
    soup = BeautifulSoup(html, "html.parser")
    soup.html["lang"] = "da"
    if soup.title is None:
        soup.head.append(soup.new_tag("title"))
    soup.title.string = f"{title} - {REPORT_TITLE}"
    style = soup.new_tag("style")
    style.string = SCREEN_CSS + PRINT_CSS.replace("__RUNNING__", css_string(title))
    soup.head.append(style)
    soup.body.insert(0, BeautifulSoup(site_header(chapters, stem, links), "html.parser"))
    return soup


def finish_chapter(html: str, title: str, stem: str | None, chapters: dict[str, str],
                   links: Sequence[tuple[str, str, str]] = ()) -> str:
    """nbconvert's page of a chapter as reviewers get it: `lang="da"`, the chapter's title, the
    shared header (`links`: more links in it), a table of contents after the chapter's first
    heading (and the synthetic-data banner, when there is one) and the stylesheets."""
    soup = _framed(html, title, stem, chapters, links)
    entries = contents(soup)
    if entries:
        anchor = _after(soup)
        if anchor is not None:
            anchor.insert_after(BeautifulSoup(toc_html(entries), "html.parser"))
    return str(soup)


def finish_page(html: str, title: str, chapters: dict[str, str], wide_columns: int = 8) -> str:
    """A page other than a chapter (the reproduction check) in the report's layout: Danish, its
    title, the shared header and the stylesheets; a table of more than `wide_columns` columns is
    printed on a landscape page."""
    soup = _framed(html, title, None, chapters)
    for table in soup.select("table.pub"):
        if table.find_parent(class_="table-wrap") is None:
            head = table.find("tr")
            wide = head is not None and len(head.find_all(["th", "td"])) > wide_columns
            table.wrap(soup.new_tag("div", attrs={"class": "table-wrap wide" if wide else "table-wrap"}))
    return str(soup)


def _after(soup: BeautifulSoup) -> Tag | None:
    """Where the table of contents goes: after the cell with the synthetic-data banner, else
    after the cell with the chapter's first heading."""
    mark = soup.select_one("div.synthetic") or soup.find("h1")
    if mark is None:
        return None
    cell = mark.find_parent(class_="jp-Cell")
    return cell or mark


def css_string(text: str) -> str:
    """`text` as a CSS string literal's content."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
