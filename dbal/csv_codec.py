"""CSV records that tell null from the empty string, as PostgreSQL's `COPY ... CSV` does.

    null                 an empty, unquoted cell        a,,c
    the empty string     two double quotes              a,"",c

Everything else is RFC 4180: cells are separated by commas, records end with CRLF (LF is
read too); a cell holding a comma, a double quote, CR or LF is quoted, with its quotes
doubled. A spreadsheet shows both forms as an empty cell, and a file written by one
(empty cells unquoted) reads as nulls. A program that quotes every cell (`""` for a missing
value) gives empty strings in text fields; other kinds of field read `""` as null.

Python's `csv` module (3.11) cannot write a quoted empty cell next to an unquoted one, nor
say on reading whether a cell was quoted, so both directions are here: `encode_record` and
`decode_records`, which reads records from text lines (a quoted cell may span lines) and
yields an error message instead of the cells for a record that is not valid CSV, then goes
on with the next line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

NEEDS_QUOTES = re.compile(r'[,"\r\n]')
PLAIN = re.compile(r"[^,\r\n]*")
RECORD_ENDS = ("", "\n", "\r\n", "\r")
MAX_RECORD = 4 * 1024 * 1024

Cell = str | None


def encode_cell(text: Cell) -> str:
    if text is None:
        return ""
    if text == "" or NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def encode_record(cells: Sequence[Cell]) -> str:
    return ",".join(encode_cell(c) for c in cells) + "\r\n"


def decode_records(lines: Iterator[str]) -> Iterator[list[Cell] | str]:
    """Each record of `lines` (text lines with their ends) as cells (None: null), or an error
    message; blank lines are skipped."""
    for line in lines:
        record = line
        cells: list[Cell] = []
        pos = 0
        error = None
        while error is None:
            if record.startswith('"', pos):
                parts: list[str] = []
                start = pos + 1
                while True:
                    end = record.find('"', start)
                    if end == -1:
                        more = next(lines, None)
                        if more is None or len(record) > MAX_RECORD:
                            error = "a quoted cell is not closed"
                            break
                        record += more
                        continue
                    if record.startswith('"', end + 1):  # a doubled quote
                        parts.append(record[start : end + 1])
                        start = end + 2
                        continue
                    parts.append(record[start:end])
                    pos = end + 1
                    break
                if error is not None:
                    break
                cells.append("".join(parts))
            else:
                match = PLAIN.match(record, pos)
                assert match is not None  # the pattern matches the empty string
                cells.append(match.group() or None)
                pos = match.end()
            if record.startswith(",", pos):
                pos += 1
            elif record[pos:] in RECORD_ENDS:
                break
            elif record[pos - 1 : pos] == '"':
                error = "a closing quote must be followed by a comma or the end of the line"
            else:
                error = "a line break inside an unquoted cell"
        if error is not None:
            yield error
        elif cells != [None]:
            yield cells
