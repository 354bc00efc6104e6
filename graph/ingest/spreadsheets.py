"""Reading tables as Excel and LibreOffice save them: CSV (UTF-8 with or without a BOM, comma or
semicolon, CRLF or LF) and XLSX (the first sheet, through openpyxl)."""

from __future__ import annotations

import csv
import io
import zipfile

from ..errors import DataError

XLSX_MAGIC = b"PK\x03\x04"
# What an XLSX may unpack to: far above any questionnaire (10,000 rows of text unpack to a few MB),
# far below what a worker can hold.  Shared strings are kept in memory whole, hence their own limit.
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS_BYTES = 20 * 1024 * 1024
MAX_XLSX_PARTS = 1000


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


def check_xlsx_limits(data: bytes, name: str) -> None:
    """Refuse an XLSX whose parts would unpack to more than the limits, before anything is unpacked.

    An XLSX is a zip of XML parts.  openpyxl keeps the shared strings (every text cell's
    text) in memory whole, and a part of a few kB can unpack to gigabytes: a 1 MB file with
    one 1 GiB shared string took a worker to 3.2 GB.  The sizes read here are those the zip
    declares; a part that unpacks to more than it declares is cut there by zipfile and then
    fails its CRC check, so the declared sizes bound what is ever unpacked.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise DataError(name, None, None, f"not a readable XLSX workbook: {exc}") from None
    if len(parts) > MAX_XLSX_PARTS:
        raise DataError(name, None, None, f"{len(parts)} parts, more than the {MAX_XLSX_PARTS} an XLSX "
                                          "questionnaire may hold")
    shared = sum(p.file_size for p in parts if p.filename.lower().endswith("sharedstrings.xml"))
    if shared > MAX_XLSX_SHARED_STRINGS_BYTES:
        raise DataError(name, None, None, f"its shared strings unpack to {shared} bytes, more than the "
                                          f"{MAX_XLSX_SHARED_STRINGS_BYTES} an XLSX questionnaire may")
    total = sum(p.file_size for p in parts)
    if total > MAX_XLSX_UNPACKED_BYTES:
        raise DataError(name, None, None, f"it unpacks to {total} bytes, more than the {MAX_XLSX_UNPACKED_BYTES} "
                                          "an XLSX questionnaire may")


def xlsx_rows(data: bytes, name: str, max_rows: int) -> list[list[str]]:
    """Return the first sheet's rows as text (numbers without a trailing .0).

    The workbook's unpacked size is checked first (check_xlsx_limits), and its XML is parsed
    through defusedxml (openpyxl uses it when installed; it is a dependency, and checked
    here), which refuses entity expansion (billion laughs) and external entities.  Whatever
    the file is, a failure to read it is a DataError naming it, never another exception.
    """
    import openpyxl.xml
    from openpyxl import load_workbook

    if not openpyxl.xml.DEFUSEDXML:
        raise DataError(name, None, None, "XLSX files are read only with defusedxml installed "
                                          "(pip install defusedxml); nothing was read")
    check_xlsx_limits(data, name)
    book = None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > max_rows:
                break
            rows.append([_cell(v) for v in row])
    # Any exception: openpyxl and the XML parsers under it raise many kinds (ParseError,
    # defusedxml's EntitiesForbidden, KeyError for a missing part, TypeError, IndexError for a
    # workbook without sheets...), and all of them mean one thing here: this file cannot be read.
    except Exception as exc:  # noqa: BLE001
        cause = _root_cause(exc)  # openpyxl wraps the parser's error in a ValueError of its own
        raise DataError(name, None, None, f"not a readable XLSX workbook: {type(cause).__name__}: "
                                          f"{str(cause)[:200]}") from None
    finally:
        if book is not None:
            book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _root_cause(exc: BaseException) -> BaseException:
    seen = {id(exc)}
    while (inner := exc.__cause__ or exc.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        exc = inner
    return exc


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
