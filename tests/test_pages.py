"""The report as a reviewer reads it (issue 13): Danish, titled, navigable pages that print on A4
without cut tables or figures, and one PDF of the whole report. Read from a report-scale run."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_workflow import ARTIFACTS, CHAPTERS, CHROMIUM

from puljeeval.render import html_table, layout

pytestmark = pytest.mark.workflow
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Debian's chromium is not installed (see README set-up)")

# the mapping's chapter pages and its page with the code (tests/test_kortlaegning_pages.py)
MAPPING_PAGES = ["kortlaegning_kapitel_3", "kortlaegning_kapitel_4", "kortlaegning_kapitel_5", "kortlaegning_kapitel_6",
                 "kortlaegning_kapitel_7", "kortlaegning_bilag", "kortlaegning_kode"]
PAGES = [*CHAPTERS, *(f"{c}_kode" for c in CHAPTERS), "reproduktion", "kortlaegning", *MAPPING_PAGES, "index",
         "rapport"]
MM = 96 / 25.4                          # CSS px per mm
A4_PORTRAIT = (210 - 26) * MM            # the width between the print margins (render/layout.py)
A4_LANDSCAPE = (297 - 26) * MM


def soup(workdir: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((workdir / "results/report" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def test_chapter_pages_are_danish_titled_and_navigable(report_scale):
    report = report_scale / "results/report"
    for i, chapter in enumerate(CHAPTERS):
        page = soup(report_scale, chapter)
        assert page.html["lang"] == "da", chapter
        heading = " ".join(page.find("h1").get_text(" ").replace("¶", "").split())
        assert page.title.string == f"{heading} - {layout.REPORT_TITLE}", (chapter, page.title.string)
        nav = page.select_one("header.site nav")
        links = {a.get("rel", [""])[0]: a["href"] for a in nav.find_all("a")}
        assert links["index"] == "index.html"
        assert links.get("prev") == (f"{CHAPTERS[i - 1]}.html" if i else None)
        assert links.get("next") == (f"{CHAPTERS[i + 1]}.html" if i + 1 < len(CHAPTERS) else None)
        for href in links.values():
            assert (report / href).exists(), (chapter, href)
        # the contents list every section, table and figure, and each link lands on its anchor
        toc = [a["href"][1:] for a in page.select("nav.toc a")]
        ids = {tag["id"] for tag in page.find_all(id=True)}
        assert toc and set(toc) <= ids, (chapter, set(toc) - ids)
        shown = {t["id"] for t in page.select("table.pub[data-table]")} | {f["id"] for f in page.select("figure.fig")}
        assert shown and shown <= set(toc), (chapter, shown - set(toc))


def test_every_figure_has_its_own_alt_text(report_scale):
    for chapter in CHAPTERS:
        images = soup(report_scale, chapter).select("figure.fig img")
        alts = [img.get("alt", "").strip() for img in images]
        # chapter 6 has the pipeline's three cost figures, Bilag 1 none
        assert len(images) >= {"kapitel_6": 3, "bilag_1": 0}.get(chapter, 4) and all(alts), chapter
        assert len(set(alts)) == len(alts), (chapter, [a for a in alts if alts.count(a) > 1])
        assert not any("No description" in a for a in alts), chapter
        assert not soup(report_scale, chapter).select("img:not([alt])"), chapter


def test_the_column_groups_of_a_wide_table_fit_a_landscape_page():
    widths = [60.0, 50.0] + [45.0] * 30
    groups = html_table.column_groups(widths, 2, page=html_table.LANDSCAPE_PT)
    assert all(g[:2] == [0, 1] for g in groups)                 # the label columns in every group
    assert sorted({i for g in groups for i in g[2:]}) == list(range(2, 32))
    assert all(sum(widths[i] for i in g) <= html_table.LANDSCAPE_PT for g in groups)


@needs_chromium
def test_pages_print_on_a4_without_a_cut_table_or_figure(report_scale):
    """Chromium's print layout (print media, the width between A4's margins): no table, figure
    or image reaches past the page; a table marked wide gets a landscape page."""
    from playwright.sync_api import sync_playwright

    script = """([portrait, landscape]) => {
      const bad = [];
      for (const el of document.querySelectorAll('table, img, figure, pre')) {
        if (el.offsetParent === null) continue;                 // not printed (display: none)
        const r = el.getBoundingClientRect();
        const limit = el.closest('.wide') ? landscape : portrait;
        if (r.width > 0 && r.right > limit + 1) bad.push([el.tagName, el.id || el.className, Math.round(r.right)]);
      }
      return bad; }"""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for name in PAGES:
                page = browser.new_page(viewport={"width": int(A4_PORTRAIT), "height": 1000})
                page.emulate_media(media="print")
                page.goto((report_scale / "results/report" / f"{name}.html").resolve().as_uri(), wait_until="load")
                assert page.evaluate(script, [A4_PORTRAIT, A4_LANDSCAPE]) == [], name
                page.close()
        finally:
            browser.close()


def test_the_report_pdf_has_every_chapter_and_no_blank_page(report_scale):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(report_scale / "results/report/rapport.pdf"))
    figures = len(list((report_scale / "results/figures").rglob("*.png")))
    # at most four pages per figure and one per published table (the mapping's per-offer tables run
    # over pages): more would be a layout gone wrong
    tables = len([p for p in (report_scale / "results/tables").glob("*/*.csv")])
    assert figures // 2 <= len(document) <= 4 * figures + tables, len(document)
    texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    front = " ".join(texts[0].split())
    assert layout.REPORT_TITLE in front and "Syntetiske data" in front
    # every chapter begins on a page of its own, in order, after the front page and the contents
    starts = []
    for chapter in CHAPTERS:
        title = soup(report_scale, chapter).find("h1").get_text(" ").replace("¶", "").strip()
        starts.append(next(i for i, t in enumerate(texts) if i > 1 and " ".join(t.split()).startswith(title)))
    assert starts == sorted(starts), starts
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    landscape = next(i for i in range(len(document)) if document[i].get_size()[0] > document[i].get_size()[1])
    for i in range(len(document)):
        image = document[i].render(scale=0.5).to_pil().convert("L")
        inked = sum(image.histogram()[:200]) / (image.width * image.height)      # share of non-white pixels
        assert inked > 0.002, f"page {i + 1} is blank"
        if i in (0, starts[1], landscape):
            document[i].render(scale=1.3).to_pil().save(ARTIFACTS / f"rapport_side_{i + 1}.png")
