"""Reading tables as Excel and LibreOffice save them: CSV (UTF-8 with or without a BOM, comma or
semicolon, CRLF or LF) and XLSX (the first sheet, through openpyxl)."""

from __future__ import annotations

import csv
import io
import zipfile

from .errors import DataError

XLSX_MAGIC = b"PK\x03\x04"


def csv_delimiter(header_line: str) -> str:
    """Return the delimiter a header line uses: a semicolon (Belgian Excel) or a comma."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def csv_rows(data: bytes, name: str) -> list[list[str]]:
    """Return the rows of CSV ``data``, refusing text that is not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(name, None, None, f"not UTF-8 text (save the file as “CSV UTF-8”): {exc.reason} "
                                          f"at byte {exc.start}") from None
    first = text.split("\n", 1)[0]
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(first)))


def xlsx_rows(data: bytes, name: str, max_rows: int) -> list[list[str]]:
    """Return the first sheet's rows as text (numbers without a trailing .0)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError(name, None, None, f"not a readable XLSX workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > max_rows:
                break
            rows.append([_cell(v) for v in row])
        while rows and not any(rows[-1]):
            rows.pop()
        return rows
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(data: bytes, name: str, max_rows: int) -> list[list[str]]:
    """Return the rows of a CSV or XLSX file (told apart by content, not by name)."""
    rows = xlsx_rows(data, name, max_rows) if data.startswith(XLSX_MAGIC) else csv_rows(data, name)
    if len(rows) - 1 > max_rows:
        raise DataError(name, max_rows + 2, None, f"more than the {max_rows} rows an import may hold")
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Write ``rows`` as Belgian Excel reads CSV: UTF-8 with a BOM, semicolons, CRLF line ends."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: list[tuple[str, list[list[str]]]]) -> bytes:
    """Write an XLSX workbook with one sheet per ``(title, rows)``; the first row of each is bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet name
        for row in rows:
            sheet.append(row)
        for cell in sheet[1] if rows else ():
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, _ in enumerate(rows[0] if rows else (), start=1):
            width = max(len(str(r[i - 1])) for r in rows if len(r) >= i)
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, max(12, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
