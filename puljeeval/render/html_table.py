"""A published table as an HTML table for the chapter pages, with its marker legend.

Cells are made by the publishing layer (puljeeval/publish/tables.py `page_cells`), so a page shows
exactly the numbers, labels and markers of the CSV and the workbook. The markup is a contract
the reproduction check reads back (puljeeval/render/readback.py):
`<table class="pub" id="tabel-{id}" data-table="{id}">`, `<th data-col="{column}">`,
`<tr data-row="{i}">` (i: the row's position in the published table) and
`<td data-col="{column}" data-status="{status}">`.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from puljeeval.publish import tables as publish
from puljeeval.publish.display import Markers
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Registry, Table

NUMERIC_ALIGN = ' class="num"'


def legend_html(markers: Markers, statuses: set[str]) -> str:
    """The legend of the markers a table or figure uses ('' when it uses none)."""
    items = markers.legend(statuses)
    if not items:
        return ""
    return ('<p class="legend">Tegnforklaring: '
            + "; ".join(f"<b>{escape(sym)}</b> {escape(text)}" for sym, text in items) + "</p>")


# Printing on A4 (render/layout.py): about how wide a column is at the print font (6.5 pt: an
# average glyph 3.6 pt, cell padding 7 pt), and the width of a portrait and a landscape page
# between the margins, less a little.
CHAR_PT, PAD_PT = 3.6, 7.0
PORTRAIT_PT, LANDSCAPE_PT = 500.0, 740.0


def _longest_word(text: str) -> int:
    return max((len(w) for w in str(text).split()), default=0)


def print_width(heading: str, cells: list[str], numeric: bool) -> float:
    """A column's width in print (pt): headings and label cells wrap at spaces, numbers do not."""
    longest = max((len(c) if numeric else _longest_word(c) for c in cells), default=0)
    return max(_longest_word(heading), longest) * CHAR_PT + PAD_PT


def column_groups(widths: list[float], keys: int, page: float = LANDSCAPE_PT) -> list[list[int]]:
    """Split the columns after the first `keys` (repeated in every group) into groups that fit
    `page` with the key columns: each group a list of column positions."""
    key_width = sum(widths[:keys])
    groups: list[list[int]] = []
    current: list[int] = []
    used = key_width
    for i in range(keys, len(widths)):
        if current and used + widths[i] > page:
            groups.append(current)
            current, used = [], key_width
        current.append(i)
        used += widths[i]
    if current:
        groups.append(current)
    return [list(range(keys)) + g for g in groups]


def table_html(table: Table, masked: Masked, registry: Registry, markers: Markers, title: str | None = None,
               rows: list[int] | None = None) -> str:
    """The table (or the rows at positions `rows`) with caption, headings and legend. A table too
    wide for a portrait A4 page is printed on a landscape page; one too wide for that is printed
    in column groups, each with the label columns (shown only in print; the screen keeps one
    table, which is the one the reproduction check reads)."""
    cells = publish.page_cells(table, masked, registry, markers)
    positions = list(range(len(cells))) if rows is None else list(rows)
    shown = cells.iloc[positions]
    sources = {c.name: (c.source or c.name) for c in table.columns}
    columns = list(table.columns)
    numeric = [c.unit not in ("code", "text") for c in columns]

    def head(cols: list[int]) -> str:
        return "".join(f'<th data-col="{escape(columns[i].name)}"{NUMERIC_ALIGN if numeric[i] else ""}>'
                       f"{escape(columns[i].heading)}</th>" for i in cols)

    def body(cols: list[int]) -> str:
        out = []
        for pos, (_, row) in zip(positions, shown.iterrows(), strict=True):
            tds = []
            for i in cols:
                c = columns[i]
                status = masked.status.iloc[pos][sources[c.name]] if c.source is None else ""
                tds.append(f'<td data-col="{escape(c.name)}" data-status="{escape(status)}"'
                           f'{NUMERIC_ALIGN if numeric[i] else ""}>{escape(str(row[c.name]))}</td>')
            out.append(f'<tr data-row="{pos}">' + "".join(tds) + "</tr>")
        return "".join(out)

    used = {masked.status.iloc[p][sources[c.name]] for p in positions for c in columns}
    caption = escape(title or table.sheet)
    everything = list(range(len(columns)))
    full = (f'<table class="pub" id="tabel-{escape(table.id)}" data-table="{escape(table.id)}">'
            f"<caption>{caption}</caption><thead><tr>{head(everything)}</tr></thead>"
            f"<tbody>{body(everything)}</tbody></table>")
    widths = [print_width(c.heading, [str(v) for v in shown[c.name]], numeric[i]) for i, c in enumerate(columns)]
    legend = legend_html(markers, {s for s in used if s})
    if sum(widths) <= PORTRAIT_PT:
        return f'<div class="table-wrap">{full}</div>' + legend
    if sum(widths) <= LANDSCAPE_PT:
        return f'<div class="table-wrap wide">{full}</div>' + legend
    keys = next((i for i, n in enumerate(numeric) if n), len(columns))
    groups = column_groups(widths, keys)
    parts = "".join(f'<table class="pub part"><caption>{caption} (del {k} af {len(groups)})</caption>'
                    f"<thead><tr>{head(g)}</tr></thead><tbody>{body(g)}</tbody></table>"
                    for k, g in enumerate(groups, start=1))
    return (f'<div class="table-wrap screen-only">{full}</div>'
            f'<div class="table-wrap wide print-only">{parts}</div>' + legend)


STYLE = """<style>
table.pub{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}
table.pub caption{text-align:left;font-weight:bold;padding:0.3em 0}
table.pub th,table.pub td{border-bottom:1px solid #ddd;padding:0.2em 0.5em;vertical-align:top}
table.pub th{border-bottom:2px solid #444}
table.pub th,table.pub td,.jp-RenderedHTMLCommon table.pub th,.jp-RenderedHTMLCommon table.pub td{text-align:left}
table.pub .num,.jp-RenderedHTMLCommon table.pub .num{text-align:right}
table.pub td.num{white-space:nowrap}
p.legend{font-size:0.8em;color:#333;margin:0.2em 0 1.2em}
div.synthetic{background:#fff3cd;border:1px solid #e0b000;padding:0.5em 1em;margin:0.5em 0 1em;font-weight:bold}
</style>"""


def provenance_html(frame: pd.DataFrame) -> str:
    """The provenance block (two text columns) as a plain table."""
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in frame.itertuples(index=False))
    return f'<table class="pub provenance"><caption>Hvor tallene kommer fra</caption><tbody>{rows}</tbody></table>'
