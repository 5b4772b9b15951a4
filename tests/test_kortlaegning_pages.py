"""The 2016 mapping's pages as a reviewer reads them (issue 15, item 6): one Danish page per chapter
(3-7 and the Bilag) from one executed notebook, navigable, every table of the mapping on its page,
the maps with their alt texts, prose numbers from the published tables, the front page, the
index's and the PDF's mapping part, and no free-text answer in anything published. Read from a
report-scale run; screenshots of the map pages in test-artifacts/screenshots/."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from test_workflow import ARTIFACTS, CHROMIUM

from puljeeval.publish import display
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import MAPPING, Registry
from puljeeval.render import layout
from puljeeval.render.pages import MAPPING_PART_TITLE
from puljeeval.settings import ROOT, read_yaml

pytestmark = pytest.mark.workflow

STEMS = ["kortlaegning_kapitel_3", "kortlaegning_kapitel_4", "kortlaegning_kapitel_5", "kortlaegning_kapitel_6",
         "kortlaegning_kapitel_7", "kortlaegning_bilag"]
# the pages with maps, and the maps each shows (the report's placement)
MAP_PAGES = {"kortlaegning_kapitel_3": ["figur-1-1", "figur-3-1"], "kortlaegning_kapitel_5": ["figur-5-1"],
             "kortlaegning_bilag": ["figur-9-1", "figur-9-2"]}


def soup(workdir: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((workdir / "results/report" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def text(tag) -> str:
    return " ".join(tag.get_text(" ").replace("¶", "").split())


def test_mapping_pages_are_danish_titled_and_navigable(report_scale):
    report = report_scale / "results/report"
    for i, stem in enumerate(STEMS):
        page = soup(report_scale, stem)
        assert page.html["lang"] == "da", stem
        assert page.title.string == f"{text(page.find('h1'))} - {layout.REPORT_TITLE}", stem
        links = {a.get("rel", [""])[0]: a["href"] for a in page.select("header.site nav a")}
        assert links["index"] == "index.html" and links["up"] == "kortlaegning.html", stem
        assert links.get("prev") == (f"{STEMS[i - 1]}.html" if i else None), stem
        assert links.get("next") == (f"{STEMS[i + 1]}.html" if i + 1 < len(STEMS) else None), stem
        for href in links.values():
            assert (report / href).exists(), (stem, href)
        toc = [a["href"][1:] for a in page.select("nav.toc a")]
        ids = {tag["id"] for tag in page.find_all(id=True)}
        assert toc and set(toc) <= ids, (stem, set(toc) - ids)
        shown = {t["id"] for t in page.select("table.pub[data-table]")} | {f["id"] for f in page.select("figure.fig")}
        assert shown <= set(toc), (stem, shown - set(toc))
        assert page.select_one("div.synthetic"), stem                  # the twin's data: the banner
        assert "Proveniens" in page.get_text() and "Published" not in page.get_text(), stem


def test_every_mapping_table_is_on_one_page_with_its_number_and_title(report_scale):
    registry = Registry(read_yaml(ROOT / "config" / "tables.yaml"))
    where: dict[str, list[str]] = {}
    for stem in STEMS:
        for table in soup(report_scale, stem).select("table.pub[data-table]"):
            where.setdefault(table["data-table"], []).append(stem)
            t = registry.tables[table["data-table"]]
            assert t.sheet in text(table.find("caption")) and t.title in text(table.find("caption"))
    assert sorted(where) == sorted(t.id for t in registry.chapter_tables(MAPPING))
    assert all(len(pages) == 1 for pages in where.values()), where


def test_the_maps_are_on_their_pages_with_their_own_alt_text(report_scale):
    for stem, maps in MAP_PAGES.items():
        page = soup(report_scale, stem)
        figures = {f["id"]: f for f in page.select("figure.fig")}
        assert set(maps) <= set(figures), stem
        alts = [figures[m].find("img")["alt"].strip() for m in maps]
        assert all(alts) and len(set(alts)) == len(alts), stem
        assert not page.select("img:not([alt])"), stem


def test_prose_numbers_are_read_from_the_published_tables(report_scale):
    """Chapter 3's sentence on Tabel 3-1 and chapter 7's on Tabel 7-1 quote the shares of the
    masked tables, rounded once, as the tables show them."""
    masked = report_scale / "results/interim/published" / MAPPING
    t31, t71 = Masked.read(masked / "tabel_3_1.parquet").values, Masked.read(masked / "tabel_7_1.parquet").values

    def pct(frame: pd.DataFrame, row: str, column: str) -> str:
        return display.pct(float(frame.loc[frame["row"] == row, column].iloc[0]))

    page3 = html.unescape(soup(report_scale, "kortlaegning_kapitel_3").get_text(" "))
    assert f"{pct(t31, 'Offentlig', 'k2_pct')} af tilbuddene er offentlige" in " ".join(page3.split())
    page7 = " ".join(html.unescape(soup(report_scale, "kortlaegning_kapitel_7").get_text(" ")).split())
    assert f"{pct(t71, 'Ja', 'k2_pct')} af tilbuddene har en rekrutteringsstrategi" in page7


def test_front_page_index_and_pdf_have_the_mapping(report_scale):
    report = report_scale / "results/report"
    front = soup(report_scale, "kortlaegning")
    hrefs = {a["href"] for a in front.find_all("a", href=True)}
    assert {f"{s}.html" for s in STEMS} | {"kortlaegning_kode.html", "../tables/kortlaegning.xlsx"} <= hrefs
    index = soup(report_scale, "index")
    part = index.find(id="kortlaegning")
    assert part is not None and MAPPING_PART_TITLE in text(part)
    links = {a["href"] for a in index.find_all("a", href=True)}
    assert {f"{s}.html" for s in STEMS} | {"kortlaegning.html", "../tables/kortlaegning.xlsx"} <= links
    for link in links:
        assert (report / link).exists(), link
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(report / "rapport.pdf"))
    texts = [" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]
    assert MAPPING_PART_TITLE in texts[0]                                 # the front matter line
    part_page = next(i for i, t in enumerate(texts) if t.startswith(MAPPING_PART_TITLE))
    starts = [next(i for i, t in enumerate(texts) if i > part_page and text(soup(report_scale, s).find("h1")) in t)
              for s in STEMS]
    assert starts == sorted(starts), starts


def free_texts(workdir: Path) -> set[str]:
    """The free-text answers of the mapping's ingested extracts (contract columns x-free-text)
    that are not also, or inside, a label the report prints (a recoded 'Andet' category, an
    offer's name)."""
    import yaml

    printed = set()
    for t in read_yaml(ROOT / "config" / "kortlaegning" / "published.yaml")["tables"].values():
        printed |= set(t["rows"]) | set(t["columns"])
    for name in ("tabel_9_3", "tabel_9_4"):          # the offers the report names (published per offer)
        printed |= set(pd.read_csv(ROOT / "data" / "kortlaegning" / f"{name}.csv")["offer_name"])
    out = set()
    for schema in (ROOT / "puljeeval/data/schemas/kortlaegning").glob("*.schema.yaml"):
        props = yaml.safe_load(schema.read_text(encoding="utf-8")).get("properties", {})
        columns = [c for c, spec in props.items() if isinstance(spec, dict) and spec.get("x-free-text")]
        path = workdir / "results/interim/kortlaegning/ingested" / f"{schema.name.split('.')[0]}.parquet"
        if columns and path.exists():
            frame = pd.read_parquet(path)
            for c in columns:
                if c in frame:
                    out |= {str(v).strip() for v in frame[c].dropna() if len(str(v).strip()) >= 8}
    # an answer inside a printed label or offer name ("Misbrugskonsulent" in "Greve,
    # Omega/Misbrugskonsulent") cannot be told apart from it on a page: not a leak
    return {text for text in out - printed if not any(text in label for label in printed)}


def test_no_free_text_answer_in_anything_published(report_scale):
    secrets = free_texts(report_scale)
    if not secrets:
        pytest.skip("the run's mapping extracts hold no free-text answers")
    files = [*(report_scale / "results/tables").glob("kortlaegning*"), *(report_scale / "results/tables/kortlaegning")
             .rglob("*.csv"), *(report_scale / "results/report").glob("kortlaegning*.html")]
    for path in files:
        if path.is_dir():
            continue
        if path.suffix == ".xlsx":
            content = " ".join(str(v) for sheet in pd.read_excel(path, sheet_name=None).values()
                               for v in sheet.to_numpy().ravel())
        else:
            content = html.unescape(path.read_text(encoding="utf-8-sig"))
        found = [s for s in secrets if s in content]
        assert not found, (path.name, found[:3])


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (see README set-up)")
def test_map_pages_in_headless_chromium_with_screenshots(report_scale):
    """Every mapping page loads without errors and with every image; each page with maps is
    saved as a full-page screenshot, and each map by itself, in test-artifacts/screenshots/."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for stem in [*STEMS, "kortlaegning_kode"]:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                problems: list[str] = []
                page.on("pageerror", lambda e, p=problems: p.append(str(e)))
                page.on("console", lambda m, p=problems: m.type == "error" and p.append(m.text))
                page.goto((report_scale / "results/report" / f"{stem}.html").resolve().as_uri(), wait_until="load")
                broken = page.eval_on_selector_all("img", "els => els.filter(e => !e.complete || !e.naturalWidth)"
                                                          ".length")
                assert not problems and not broken, (stem, problems, broken)
                for anchor in MAP_PAGES.get(stem, []):
                    page.locator(f"figure#{anchor}").screenshot(path=str(ARTIFACTS / f"{stem}_{anchor}.png"))
                if stem in MAP_PAGES:
                    page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    for stem, maps in MAP_PAGES.items():
        assert (ARTIFACTS / f"{stem}.png").stat().st_size > 10_000, stem
        assert all(re.match(r"figur-\d", m) for m in maps)
