"""The workbook's cells: number formats in the run's currency, a cell buffer per sheet.

``report.xlsx`` is written in XlsxWriter's constant-memory mode (a Trials
sheet can hold a million rows), which streams each sheet's cells row by row:
a cell written above the last row written is lost. :class:`Sheet` therefore
collects a sheet's cells in any order and writes them sorted
(:meth:`Sheet.flush`), setting each column's width to fit what it holds.

Every text goes in as a string (``write_string``), never through
XlsxWriter's guessing ``write``: a config's name that starts with ``=`` stays
text, not a formula. A text that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is also given Excel's quote prefix (its format's
``quote_prefix``): Excel shows it as written but keeps it text when someone
edits the cell, or exports the sheet to CSV and opens that (spreadsheet
formula injection). Every number goes in as a number; ``None``, NaN and the
infinities (an undefined ROI, a payback beyond the horizon) leave the cell
empty, as XlsxWriter cannot write them and an error cell would be worse.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..files import FORMULA_START
from ..format import probability_decimals

__all__ = [
    "MAX_TEXT",
    "Sheet",
    "Style",
    "Styles",
    "clean_text",
    "currency_prefix",
    "finite",
    "open_workbook",
    "write_text",
]

MAX_TEXT = 32_767  # characters in one cell (Excel's limit)
_MIN_WIDTH, _MAX_WIDTH = 6, 60  # column widths, in characters
_WRAP_AT = 40  # a wrapped text's column is made this wide before it wraps
_LINE_POINTS = 15  # the height of a line of 11-point text
_PRINT_WIDTH = 300  # characters of columns that still print legibly on one landscape page
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}  # others are written as their ISO code


def open_workbook(path: str, tmpdir: str) -> Workbook:
    """A write-only workbook at ``path`` whose temporary files stay in ``tmpdir``."""
    workbook = Workbook(
        path,
        {
            "constant_memory": True,  # a Trials sheet of a million rows in little memory
            "tmpdir": tmpdir,  # XlsxWriter's scratch files: never outside the result folder
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.use_zip64()  # only used when a part exceeds 4 GB (a huge Trials sheet)
    return workbook


# Characters that XML 1.0 cannot hold or Excel shows as escapes: C0 controls (but tab and
# line breaks), DEL, lone surrogates and the non-characters U+FFFE / U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: Any) -> str:
    """``value`` as cell text: at most 32,767 characters, unprintable ones as U+FFFD."""
    text = _UNPRINTABLE.sub("\ufffd", str(value))
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def write_text(
    ws: Worksheet, row: int, col: int, text: str, fmt: Format | None, styles: Styles
) -> None:
    """Write ``text`` as a string, whatever it looks like.

    A text that Excel would read as a formula once its cell is edited (or
    the sheet saved as CSV and opened) gets ``fmt`` with the quote prefix
    (:meth:`Styles.quoted`): it stays text, shown as written.

    In constant-memory mode XlsxWriter copies a string that starts with
    ``<r>`` and ends with ``</r>`` into the XML unescaped, as rich text
    markup: a config named ``<r>1 < 2</r>`` would corrupt the workbook. Such
    a string is written as rich text of plain runs, which Excel shows as the
    same text.
    """
    if text.startswith(FORMULA_START):
        fmt = styles.quoted(fmt)
    if text.startswith("<r>") and text.endswith("</r>"):
        ws.write_rich_string(row, col, text[:1], text[1:3], text[3:], fmt)
    else:
        ws.write_string(row, col, text, fmt)


def finite(value: Any) -> float | None:
    """``value`` as a float, or None for None, NaN and the infinities."""
    if value is None or isinstance(value, str):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def currency_prefix(currency: str) -> str:
    """``$``, ``€`` or ``£`` for USD, EUR and GBP; otherwise the ISO code and a space."""
    code = re.sub(r"[^A-Z]", "", str(currency or "").upper())[:3]
    return _SYMBOLS.get(code, f"{code} " if code else "")


@dataclass(frozen=True)
class Style:
    """A cell format and the text Excel shows through it (for the column widths)."""

    format: Format | None
    render: Callable[[float], str]


class Styles:
    """The workbook's formats: money in the run's currency, percentages, months, text."""

    def __init__(self, workbook: Workbook, currency: str):
        self._book = workbook
        self._cache: dict[Any, Style] = {}
        self._specs: dict[Format, dict] = {}  # each format's properties, for its quoted variant
        self._quoted: dict[Format | None, Format] = {}
        self.prefix = currency_prefix(currency)
        quoted = '"' + self.prefix + '"'
        self._money = f"{quoted}#,##0;-{quoted}#,##0"
        # Costs are positive amounts that TEI tables print in parentheses.
        self._cost = f"({quoted}#,##0);-({quoted}#,##0);{quoted}0"
        self.title = self._add({"bold": True, "font_size": 14})
        self.subtitle = self._add({"bold": True, "font_size": 11})
        self.header = self._add(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "bottom",
                "bottom": 1,
                "bg_color": "#E8EDF3",
            }
        )
        self.note = self._add({"italic": True, "font_color": "#555555"})
        self.wrap = self._add({"text_wrap": True})
        self.bold = self._add({"bold": True})
        self.flag = self._add({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})

    def _add(self, spec: dict) -> Format:
        fmt = self._book.add_format(spec)
        self._specs[fmt] = spec
        return fmt

    def quoted(self, fmt: Format | None) -> Format:
        """``fmt`` (one of these styles, or None) with Excel's quote prefix: its text stays text.

        Made once per format, so a sheet of many such texts adds one format, not one per cell.
        """
        if fmt not in self._quoted:
            spec = {} if fmt is None else self._specs[fmt]
            self._quoted[fmt] = self._book.add_format({**spec, "quote_prefix": True})
        return self._quoted[fmt]

    def _style(self, key: Any, spec: dict, render: Callable[[float], str]) -> Style:
        if key not in self._cache:
            self._cache[key] = Style(self._add(spec), render)
        return self._cache[key]

    def money(self, *, cost: bool = False, bold: bool = False) -> Style:
        """Whole units of the currency; a cost in parentheses."""
        prefix = self.prefix

        def render(x: float) -> str:
            text = f"{prefix}{abs(x):,.0f}"
            return f"({text})" if cost else ("-" if x < 0 else "") + text

        spec = {"num_format": self._cost if cost else self._money, "bold": bold}
        return self._style(("money", cost, bold), spec, render)

    def percent(self, decimals: int = 1, *, bold: bool = False) -> Style:
        """A fraction shown as a percentage (0.253 -> 25.3%)."""
        fmt = "0" + ("." + "0" * decimals if decimals else "") + "%"
        spec = {"num_format": fmt, "bold": bold}
        return self._style(("percent", decimals, bold), spec, lambda x: f"{x * 100:,.{decimals}f}%")

    def probability(self, *values: Any, decimals: int = 2, bold: bool = False) -> Style:
        """A percentage with ``decimals`` decimals, or as many more as one of ``values`` needs.

        A probability strictly between 0 and 1 is never shown as 0% or 100%:
        0.99996 at two decimals would read 100.00%, so it gets three.
        """
        needed = [probability_decimals(v, decimals) for v in map(finite, values) if v is not None]
        return self.percent(max(needed, default=decimals), bold=bold)

    def months(self, *, bold: bool = False) -> Style:
        """Months with one decimal."""
        spec = {"num_format": "0.0", "bold": bold}
        return self._style(("months", bold), spec, lambda x: f"{x:,.1f}")

    def count(self) -> Style:
        """A whole number with thousands separators."""
        return self._style(("count",), {"num_format": "#,##0"}, lambda x: f"{x:,.0f}")

    def decimals(self, decimals: int) -> Style:
        """A plain number with ``decimals`` decimals and thousands separators."""
        decimals = max(0, min(int(decimals), 9))
        fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
        return self._style(
            ("decimals", decimals), {"num_format": fmt}, lambda x: f"{x:,.{decimals}f}"
        )

    def value(self, *values: Any) -> Style:
        """A plain number, with enough decimals for about four significant digits of ``values``."""
        sizes = [abs(v) for v in map(finite, values) if v is not None and v != 0]
        if not sizes:
            return self.decimals(0)
        return self.decimals(3 - math.floor(math.log10(max(sizes))))

    def axis_money(self, largest: float) -> str:
        """A chart axis's number format: amounts in thousands or millions (``$1.5M``)."""
        quoted = '"' + self.prefix + '"'
        if largest >= 1e6:
            return f'{quoted}#,##0.0,,"M";-{quoted}#,##0.0,,"M";0'
        if largest >= 1e3:
            return f'{quoted}#,##0,"k";-{quoted}#,##0,"k";0'
        return self._money

    def left(self, style: Style) -> Style:
        """``style`` aligned left (a number among texts)."""
        spec = {
            "num_format": style.format.num_format if style.format else "General",
            "align": "left",
        }
        return self._style(("left", spec["num_format"]), spec, style.render)


def _text_width(text: str, wrap: bool, header: bool) -> int:
    """Characters a column needs for ``text``.

    Its longest line; when wrapped, its longest word and up to a line of
    :data:`_WRAP_AT` characters (a header: half its length, so it wraps on two lines).
    """
    if not wrap:
        return max((len(p) for p in text.splitlines()), default=0)
    longest = max((len(p) for p in text.split()), default=0)
    return max(longest, -(-len(text) // 2) if header else min(len(text), _WRAP_AT))


class Sheet:
    """One worksheet's cells, written sorted by row when :meth:`flush` is called.

    ``styles`` are the workbook's: its formats, and their quote-prefixed variants.
    """

    def __init__(
        self, workbook: Workbook, styles: Styles, name: str, *, max_width: int = _MAX_WIDTH
    ):
        self.ws: Worksheet = workbook.add_worksheet(name)
        self._styles = styles
        self._cells: dict[tuple[int, int], tuple[str, Any, Format | None]] = {}
        self._widths: dict[int, int] = {}
        self._max_width = max_width
        self._fit_pages = False

    def _fit(self, col: int, width: int) -> None:
        self._widths[col] = max(self._widths.get(col, 0), width)

    def text(
        self,
        row: int,
        col: int,
        value: Any,
        fmt: Format | None = None,
        *,
        fit: bool = True,
        header: bool = False,
    ) -> None:
        """A text cell (never a formula, a number or a link); None leaves the cell empty.

        ``fit=False``: the column is not widened for it (a title, or a note at
        the end of a row, which runs on over the empty cells to its right).
        """
        if value is None or value == "":
            return
        text = clean_text(value)
        self._cells[(row, col)] = ("text", text, fmt)
        if fit:
            wrap = fmt is not None and bool(fmt.text_wrap)
            self._fit(col, _text_width(text, wrap, header))

    def number(self, row: int, col: int, value: Any, style: Style, *, fit: bool = True):
        """A number cell in ``style``; None, NaN and the infinities leave it empty."""
        value = finite(value)
        if value is None:
            return
        self._cells[(row, col)] = ("number", value, style.format)
        if fit:
            self._fit(col, len(style.render(value)))

    def row(self, row: int, col: int, values: list[Any], style: Style) -> None:
        """Numbers side by side from (row, col)."""
        for i, value in enumerate(values):
            self.number(row, col + i, value, style)

    def headers(self, row: int, col: int, labels: list[str], fmt: Format) -> None:
        """A header row (wrapped: the column need only fit the longest word)."""
        for i, label in enumerate(labels):
            self.text(row, col + i, label, fmt, header=True)

    def width(self, col: int, width: int) -> None:
        """At least ``width`` characters for column ``col``."""
        self._fit(col, width)

    def freeze(self, rows: int, cols: int = 0) -> None:
        """Freeze the top ``rows`` and left ``cols``; print them on every page, one page wide."""
        self.ws.freeze_panes(rows, cols)
        if rows:
            self.ws.repeat_rows(rows - 1)
        if cols:
            self.ws.repeat_columns(0, cols - 1)
        self.ws.set_landscape()
        self._fit_pages = True

    def _heights(self, widths: dict[int, int]) -> dict[int, float]:
        """Row heights (points) that show every wrapped text whole, for the rows that need more."""
        lines: dict[int, int] = {}
        for (row, col), (kind, value, fmt) in self._cells.items():
            if kind == "text" and fmt is not None and fmt.text_wrap:
                # Text in a proportional font is narrower than the digits a width counts.
                width = max(int((widths.get(col, _MIN_WIDTH) - 1) * 1.15), 1)
                n = sum(len(textwrap.wrap(part, width)) or 1 for part in value.splitlines() or [""])
                lines[row] = max(lines.get(row, 1), n)
        return {row: _LINE_POINTS * n + 3 for row, n in lines.items() if n > 1}

    def flush(self) -> None:
        """Write the cells in row order, size the columns and rows; the sheet is then complete."""
        widths = {
            col: min(max(w + 2, _MIN_WIDTH), self._max_width) for col, w in self._widths.items()
        }
        for col, width in widths.items():
            self.ws.set_column(col, col, width)
        heights = self._heights(widths)
        written = -1
        for (row, col), (kind, value, fmt) in sorted(self._cells.items()):
            if row != written and row in heights:
                self.ws.set_row(row, heights[row])  # before the row's cells: they stream out
            written = row
            if kind == "text":
                write_text(self.ws, row, col, value, fmt, self._styles)
            else:
                self.ws.write_number(row, col, value, fmt)
        if self._fit_pages and sum(widths.values()) <= _PRINT_WIDTH:
            self.ws.fit_to_pages(1, 0)  # printed one page wide (a wider sheet keeps its size)
        self._cells.clear()
