"""The workbook's Frontier sheet: the two-input break-even frontier, its table, grids and chart.

From ``drivers.frontier`` of report_data.json (present when the run's
sensitivity computed the frontier, as ``simulate report CONFIG`` does): the
value of the second input each line needs with the first at its P10, P50
and P90 (a number where the line crosses once, else in words), the
base-case NPV and P(NPV > 0) over the grid, the lines' points, and a native
scatter chart of the lines, the inputs' P10-P90 box and the base case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xlsxwriter.workbook import Workbook

from .frontier import column_heading, frontier_cell, frontier_view
from .xlsx_book import Sheet, Style, Styles
from .xlsx_sheets import title_block, value_style

__all__ = ["frontier_sheet"]

_LINE_COLOURS = ("#56B4E9", "#0072B2", "#009E73")  # the contours, as the page's chart draws them


def frontier_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    block = data["drivers"]["frontier"]
    currency = data["summary"].get("currency") or ""
    view = frontier_view(block, currency)
    ax_a, ax_b = block["inputs"]
    style_a = value_style(styles, ax_a.get("unit"), ax_a["values"])
    style_b = value_style(styles, ax_b.get("unit"), ax_b["values"])
    sheet = Sheet(book, styles, "Frontier")
    lines = [view["lead"], view["range"], view["note"]]  # the note in full: a sheet has room
    row = title_block(sheet, styles, f"Break-even frontier: {view['first']} and "
                      f"{view['second']}", lines) + 1  # fmt: skip
    table = block["table"]
    side = {True: " (at least)", False: " (at most)"}.get(table.get("rises"), "")
    heads = ["Quantile", view["first"]] + [
        f"{view['second']}{side} for {column_heading(c)}" for c in table["columns"]
    ]
    sheet.headers(row, 0, heads, styles.header)
    for r in table["rows"]:
        row += 1
        sheet.text(row, 0, f"P{round(r['quantile'] * 100)}")
        sheet.number(row, 1, r["value"], style_a)
        for j, cell in enumerate(r["cells"], start=2):
            values = cell.get("values") or []
            if len(values) == 1:
                sheet.number(row, j, values[0], style_b)
            else:
                sheet.text(row, j, frontier_cell(cell, table.get("rises"), ax_b.get("unit"),
                                                 currency))  # fmt: skip
    row += 2
    row = _grid(sheet, styles, row, "Base-case NPV (the other inputs at their medians)",
                block, "npv", styles.money(), (style_a, style_b))  # fmt: skip
    row = _grid(sheet, styles, row, "P(NPV > 0) (the other inputs uncertain)",
                block, "probability", None, (style_a, style_b))  # fmt: skip
    _lines_and_chart(book, sheet, styles, row, block, (style_a, style_b), view)
    sheet.freeze(2 + len(lines), 1)
    return sheet


def _grid(sheet: Sheet, styles: Styles, row: int, title: str, block: Mapping[str, Any],
          key: str, style: Style | None, axis_styles: tuple[Style, Style]) -> int:  # fmt: skip
    """A grid field: the second input's values down, the first's across; the next free row.

    ``style`` None: probabilities, each with the decimals it needs (one at least).
    """
    ax_a, ax_b = block["inputs"]
    sheet.text(row, 0, title, styles.subtitle, fit=False)
    sheet.text(row + 1, 0, f"{ax_b.get('label') or ax_b['input']} down, "
               f"{ax_a.get('label') or ax_a['input']} across", styles.note, fit=False)  # fmt: skip
    sheet.row(row + 2, 1, list(ax_a["values"]), axis_styles[0])
    grid = block[key]  # [i][j]: the first input's i-th value, the second's j-th
    for j, b in enumerate(ax_b["values"]):
        sheet.number(row + 3 + j, 0, b, axis_styles[1])
        cells = [grid[i][j] for i in range(len(ax_a["values"]))]
        if style is not None:
            sheet.row(row + 3 + j, 1, cells, style)
            continue
        for i, p in enumerate(cells, start=1):
            sheet.number(row + 3 + j, i, p, styles.probability(p, decimals=1))
    return row + 4 + len(ax_b["values"])


def _series(block: Mapping[str, Any]) -> list[tuple[str, list, str | None, str]]:
    """(name, points, colour, dash) of each line: the contours, the zero line, box, base case."""
    ax_a, ax_b = block["inputs"]
    out = []
    for k, c in enumerate(block["contours"]):
        for line in c["lines"]:
            colour = _LINE_COLOURS[min(k, len(_LINE_COLOURS) - 1)]
            out.append((column_heading(c), line, colour, "dash"))
    for line in block["zero_curve"]:
        out.append(("NPV = 0, others at median", line, "#1A1A1A", "solid"))
    x0, x1, y0, y1 = ax_a["p10"], ax_a["p90"], ax_b["p10"], ax_b["p90"]
    box = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    out.append(("P10-P90 of both inputs", box, "#6B6B6B", "round_dot"))
    out.append(("Base case (medians)", [[ax_a["p50"], ax_b["p50"]]], None, "solid"))
    return out


def _lines_and_chart(book: Workbook, sheet: Sheet, styles: Styles, row: int,
                     block: Mapping[str, Any], axis_styles: tuple[Style, Style],
                     view: Mapping[str, Any]) -> None:  # fmt: skip
    """Each line's points, two columns a line, and a scatter chart drawn from them."""
    sheet.text(row, 0, "The lines' points (first input, second input)", styles.subtitle, fit=False)
    chart = book.add_chart({"type": "scatter", "subtype": "straight"})
    name = sheet.ws.name
    for s, (title, points, colour, dash) in enumerate(_series(block)):
        col = 2 * s
        sheet.text(row + 1, col, title, styles.header, header=True)
        for i, (x, y) in enumerate(points):
            sheet.number(row + 2 + i, col, x, axis_styles[0])
            sheet.number(row + 2 + i, col + 1, y, axis_styles[1])
        last = row + 1 + len(points)
        series: dict[str, Any] = {
            "name": title,
            "categories": [name, row + 2, col, last, col],
            "values": [name, row + 2, col + 1, last, col + 1],
        }
        if colour is None:  # the base case: a marker, no line
            series["marker"] = {"type": "circle", "size": 7, "fill": {"color": "#1A1A1A"}}
            series["line"] = {"none": True}
        else:
            series["line"] = {"color": colour, "width": 2.0, "dash_type": dash}
            series["marker"] = {"type": "none"}
        chart.add_series(series)
    ax_a, ax_b = block["inputs"]
    chart.set_title({"name": f"Break-even frontier: {view['first']} and {view['second']}",
                     "name_font": {"size": 12}})  # fmt: skip
    chart.set_x_axis({"name": view["first"], "min": ax_a["values"][0], "max": ax_a["values"][-1],
                      "num_format": axis_styles[0].format.num_format})  # fmt: skip
    chart.set_y_axis({"name": view["second"], "min": ax_b["values"][0], "max": ax_b["values"][-1],
                      "num_format": axis_styles[1].format.num_format,
                      "major_gridlines": {"visible": True}})  # fmt: skip
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 420})
    sheet.ws.insert_chart(2, len(block["table"]["columns"]) + 3, chart)
