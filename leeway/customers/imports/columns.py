"""Reading an import file as chunks of columns, as Python's csv module would read it, but faster.

A file is read in blocks of whole lines. A block without quotes, NULs or over-long lines (what a
system export is) is split into cells by the str methods and numpy in C, never cell by cell in
Python; from the first block that has any of them on, the rest of the file goes through the csv
module, row by row, exactly as before. Either way a chunk holds the rows of the block as columns
(lists of the cells as written), their row numbers as a spreadsheet shows them, and the rows whose
shape is wrong (number of values, a NUL), already described. Blank rows are skipped, as the csv
reading always did; they still count in the row numbers.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from leeway.core.inputs import NUL
from leeway.customers.imports.parse import (
    FIRST_DATA_ROW,
    FileRefused,
    ImportSpec,
    check_header,
    encoding_message,
)

BLOCK_BYTES = 4 * 1024 * 1024  # ~130,000 rows of transactions
CSV_CHUNK_ROWS = 200_000
BOM = b"\xef\xbb\xbf"
# Bytes that make a cell non-blank for certain (printable ASCII but the comma); a line without any
# is looked at by Python's own str.strip() (Unicode spaces are more than ASCII blanks).
_VISIBLE = np.zeros(256, dtype=bool)
_VISIBLE[0x21:0x7F] = True
_VISIBLE[ord(",")] = False


@dataclass
class Chunk:
    """Rows of a file as columns: `rows[i]` is the spreadsheet row of `columns[name][i]`."""

    rows: np.ndarray
    columns: dict[str, list[str]]
    # (row, field, code, message) for rows left out because of their shape.
    problems: list[tuple[int, str | None, str, str]] = field(default_factory=list)
    rows_read: int = 0  # rows that are not blank, left-out ones included
    lines: int = 0  # lines of the file the chunk covers, blank ones included
    done_bytes: int = 0  # how far into the file this chunk reaches


def _wrong_width(row: int, width: int, found: int) -> tuple[int, None, str, str]:
    return (
        row,
        None,
        "wrong_column_count",
        _("Expected %(expected)d values, found %(found)d.") % {"expected": width, "found": found},
    )


def _nul_problems(row: int, names: list[str], cells: list[str]) -> list[tuple[int, str, str, str]]:
    # PostgreSQL cannot hold a NUL.
    message = _("This text contains characters that are not allowed.")
    return [
        (row, name, "invalid_text", message) for name, cell in zip(names, cells, strict=True) if NUL in cell
    ]


class ColumnReader:
    """The chunks of one file (opened in binary), after its header is checked against `spec`."""

    def __init__(self, raw: io.BufferedIOBase, spec: ImportSpec):
        self.raw = raw
        self.spec = spec
        self.names: list[str] = []

    def chunks(self) -> Iterator[Chunk]:
        first = self.raw.readline(BLOCK_BYTES)
        header = first.removeprefix(BOM).removesuffix(b"\n").removesuffix(b"\r")
        if not first.endswith(b"\n") or b'"' in header or b"\r" in header or b"\x00" in header:
            # A header that is quoted, the only line, or ended by a lone \r: csv reads it all.
            self.raw.seek(0)
            yield from self._csv_chunks(header=True, row=FIRST_DATA_ROW - 1)
            return
        try:
            line = header.decode("utf-8")
        except UnicodeDecodeError:
            raise FileRefused(encoding_message() + " " + self._near(FIRST_DATA_ROW - 1)) from None
        self.names = check_header(line.split(",") if line else [], self.spec)
        yield from self._block_chunks(start=len(first), row=FIRST_DATA_ROW)

    @staticmethod
    def _near(row: int) -> str:
        return _("(The problem is near row %(row)d.)") % {"row": row}

    # --- the quick way: whole blocks -----------------------------------------------------------

    def _block_chunks(self, *, start: int, row: int) -> Iterator[Chunk]:
        carry = b""
        offset = start  # where `carry` begins in the file
        while True:
            data = self.raw.read(BLOCK_BYTES)
            buffer = carry + data
            if data:
                cut = buffer.rfind(b"\n") + 1
                if cut == 0:
                    if len(buffer) > 2 * BLOCK_BYTES:  # no line end in sight: let csv say what it is
                        break
                    carry = buffer
                    continue
            else:
                cut = len(buffer)
            block, carry = buffer[:cut], buffer[cut:]
            if not block:
                return
            if b'"' in block or b"\x00" in block:
                break
            chunk = self._split(block, row)
            if chunk is None:
                break
            offset += len(block)
            chunk.done_bytes = offset
            row += chunk.lines
            yield chunk
            if not data:
                return
        # The rest of the file, from the block that could not be read quickly, goes through csv.
        self.raw.seek(offset)
        yield from self._csv_chunks(header=False, row=row - 1)

    def _split(self, block: bytes, row: int) -> "Chunk | None":
        """The block's rows as columns, or None when only the csv module can read it right."""
        if b"\r" in block:
            # csv ends a row at \r\n, \n or a lone \r alike.
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FileRefused(
                encoding_message() + " " + self._near(row + block.count(b"\n", 0, error.start))
            ) from None
        if text.endswith("\n"):
            text = text[:-1]
        data = np.frombuffer(block, dtype=np.uint8)
        ends = np.flatnonzero(data == ord("\n"))
        if ends.shape[0] == 0 or ends[-1] != len(block) - 1:
            ends = np.append(ends, len(block))
        starts = np.concatenate(([0], ends[:-1] + 1))
        if int((ends - starts).max(initial=0)) > csv.field_size_limit():
            return None  # csv refuses a cell that long, with its own message
        width = len(self.names)
        commas = np.flatnonzero(data == ord(","))
        per_line = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
        visible = np.concatenate(([0], np.cumsum(_VISIBLE[data])))
        seen = visible[ends] - visible[starts]
        plain = (per_line == width - 1) & (seen > 0)
        lines_count = ends.shape[0]
        chunk = Chunk(rows=np.empty(0, dtype=np.int64), columns={}, lines=lines_count)
        if plain.all():
            cells = text.replace("\n", ",").split(",")
            numbers = row + np.arange(lines_count, dtype=np.int64)
        else:
            lines = text.split("\n")
            keep = []
            for index in np.flatnonzero(~plain).tolist():
                values = lines[index].split(",")
                if not any(value.strip() for value in values):
                    continue
                if len(values) != width:
                    chunk.rows_read += 1
                    chunk.problems.append(_wrong_width(row + index, width, len(values)))
                else:
                    keep.append(index)
            kept = np.sort(np.concatenate((np.flatnonzero(plain), np.array(keep, dtype=np.int64))))
            cells = ",".join([lines[index] for index in kept.tolist()]).split(",") if kept.size else []
            numbers = row + kept
        chunk.rows = numbers
        chunk.rows_read += int(numbers.shape[0])
        chunk.columns = {name: cells[position::width] for position, name in enumerate(self.names)}
        return chunk

    # --- the careful way: Python's csv module, row by row --------------------------------------

    def _csv_chunks(self, *, header: bool, row: int) -> Iterator[Chunk]:
        text = io.TextIOWrapper(self.raw, encoding="utf-8-sig" if header else "utf-8", newline="")
        reader = csv.reader(text)
        try:
            if header:
                try:
                    self.names = check_header(next(reader), self.spec)
                except StopIteration:
                    raise FileRefused(_("The file is empty.")) from None
            width = len(self.names)
            chunk = self._empty()
            cells: list[list[str]] = [[] for _name in self.names]
            numbers: list[int] = []
            for record in reader:
                row += 1
                if not record or not any(cell.strip() for cell in record):
                    continue
                chunk.rows_read += 1
                if len(record) != width:
                    chunk.problems.append(_wrong_width(row, width, len(record)))
                    continue
                if NUL in "".join(record):
                    chunk.problems.extend(_nul_problems(row, self.names, record))
                    continue
                numbers.append(row)
                for column, cell in zip(cells, record, strict=True):
                    column.append(cell)
                if len(numbers) >= CSV_CHUNK_ROWS:
                    yield self._finish(chunk, numbers, cells)
                    chunk, numbers, cells = self._empty(), [], [[] for _name in self.names]
            yield self._finish(chunk, numbers, cells)
        except UnicodeDecodeError:
            raise FileRefused(encoding_message() + " " + self._near(row + 1)) from None
        except csv.Error as error:
            raise FileRefused(
                _("Row %(row)d is not valid CSV (%(problem)s); nothing was imported.")
                % {"row": row + 1, "problem": str(error)}
            ) from None
        finally:
            text.detach()

    @staticmethod
    def _empty() -> Chunk:
        return Chunk(rows=np.empty(0, dtype=np.int64), columns={})

    def _finish(self, chunk: Chunk, numbers: list[int], cells: list[list[str]]) -> Chunk:
        chunk.rows = np.array(numbers, dtype=np.int64)
        chunk.columns = dict(zip(self.names, cells, strict=True))
        try:
            chunk.done_bytes = self.raw.tell()
        except (OSError, ValueError):
            pass
        return chunk
