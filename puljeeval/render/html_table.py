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


def table_html(table: Table, masked: Masked, registry: Registry, markers: Markers, title: str | None = None,
               rows: list[int] | None = None) -> str:
    """The table (or the rows at positions `rows`) with caption, headings and legend."""
    cells = publish.page_cells(table, masked, registry, markers)
    positions = list(range(len(cells))) if rows is None else list(rows)
    shown = cells.iloc[positions]
    sources = {c.name: (c.source or c.name) for c in table.columns}
    units = {c.name: c.unit for c in table.columns}
    head = "".join(f'<th data-col="{escape(c.name)}"{"" if units[c.name] in ("code", "text") else NUMERIC_ALIGN}>'
                   f"{escape(c.heading)}</th>" for c in table.columns)
    body = []
    for pos, (_, row) in zip(positions, shown.iterrows(), strict=True):
        tds = []
        for c in table.columns:
            status = masked.status.iloc[pos][sources[c.name]] if c.source is None else ""
            align = "" if units[c.name] in ("code", "text") else NUMERIC_ALIGN
            tds.append(f'<td data-col="{escape(c.name)}" data-status="{escape(status)}"{align}>'
                       f"{escape(str(row[c.name]))}</td>")
        body.append(f'<tr data-row="{pos}">' + "".join(tds) + "</tr>")
    used = {masked.status.iloc[p][sources[c.name]] for p in positions for c in table.columns}
    caption = escape(title or table.sheet)
    return (f'<table class="pub" id="tabel-{escape(table.id)}" data-table="{escape(table.id)}">'
            f"<caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            + legend_html(markers, {s for s in used if s}))


STYLE = """<style>
table.pub{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}
table.pub caption{text-align:left;font-weight:bold;padding:0.3em 0}
table.pub th,table.pub td{border-bottom:1px solid #ddd;padding:0.2em 0.5em;vertical-align:top}
table.pub th{border-bottom:2px solid #444;text-align:left}
table.pub .num{text-align:right;white-space:nowrap}
p.legend{font-size:0.8em;color:#333;margin:0.2em 0 1.2em}
div.synthetic{background:#fff3cd;border:1px solid #e0b000;padding:0.5em 1em;margin:0.5em 0 1em;font-weight:bold}
</style>"""


def provenance_html(frame: pd.DataFrame) -> str:
    """The provenance block (two text columns) as a plain table."""
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in frame.itertuples(index=False))
    return f'<table class="pub provenance"><caption>Hvor tallene kommer fra</caption><tbody>{rows}</tbody></table>'
