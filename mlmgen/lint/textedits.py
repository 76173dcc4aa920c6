"""Span edits of a file's original bytes: what `mlmgen lint --fix` writes.

A `TextEdit` replaces the characters [start, end) of the text a reader saw with new text (an insertion has
start == end). The readers see the file decoded (UTF-8, else Latin-1, as `lint` reads it), without its
byte-order mark and with every line ending (CRLF, CR) read as `\\n`; `apply_to_bytes` maps those offsets
back to the file's own characters, writes inserted line breaks with the file's own line ending, and keeps
every byte outside the edited spans: the BOM, the line endings, comments, every other statement.
"""
from __future__ import annotations

from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class TextEdit:
    start: int
    end: int
    text: str
    code: str = ""          # the finding it fixes (for messages)
    late: bool = False      # an insertion that goes after the others at the same place (options at a command's end)


class EditConflict(ValueError):
    """Two edits overlap (cannot both be made)."""


def check_disjoint(edits: list[TextEdit]) -> list[TextEdit]:
    """The edits sorted by position; EditConflict when two replaced spans overlap (insertions at one point are
    kept in the order given, `late` ones last)."""
    out = sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end, ie[1].late, ie[0]))
    ordered = [e for _, e in out]
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end or (a.start == b.start and a.end > a.start and b.end > b.start):
            raise EditConflict(f"the fixes for {a.code} and {b.code} change the same text")
    return ordered


def apply_edits_to_text(text: str, edits: list[TextEdit], newline: str = "\n") -> str:
    """`text` with every edit made (offsets refer to `text`); `\\n` in new text is written as `newline`."""
    out, pos = [], 0
    for e in check_disjoint(edits):
        out.append(text[pos:e.start])
        out.append(e.text.replace("\n", newline))
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def decode(raw: bytes) -> tuple[bytes, str, str]:
    """(BOM, encoding, the characters after the BOM) as `lint` decodes a file: UTF-8, else Latin-1."""
    bom = BOM if raw.startswith(BOM) else b""
    body = raw[len(bom):]
    try:
        return bom, "utf-8", body.decode("utf-8")
    except UnicodeDecodeError:
        return bom, "latin-1", body.decode("latin-1")


def normalise_newlines(chars: str) -> tuple[str, list[int]]:
    """The text with CRLF and CR read as LF (as Python's text mode reads a file), and for each offset of it
    (one past the end included) the offset in `chars`."""
    out, where = [], []
    i, n = 0, len(chars)
    while i < n:
        where.append(i)
        c = chars[i]
        if c == "\r":
            out.append("\n")
            i += 2 if i + 1 < n and chars[i + 1] == "\n" else 1
        else:
            out.append(c)
            i += 1
    where.append(n)
    return "".join(out), where


def file_newline(chars: str) -> str:
    """The file's line ending: CRLF or CR when most line breaks are written so, else LF."""
    crlf = chars.count("\r\n")
    cr = chars.count("\r") - crlf
    lf = chars.count("\n") - crlf
    best = max((lf, "\n"), (crlf, "\r\n"), (cr, "\r"))
    return best[1] if best[0] else "\n"


def apply_to_bytes(raw: bytes, seen_text: str, edits: list[TextEdit]) -> bytes:
    """The file's bytes with the edits made. `seen_text` is the text the reader saw (offsets of the edits);
    ValueError when it is not this file's text read as `lint` reads it."""
    bom, encoding, chars = decode(raw)
    norm, where = normalise_newlines(chars)
    if norm != seen_text:
        raise ValueError("the file changed since it was read")
    nl = file_newline(chars)
    mapped = [TextEdit(where[e.start], where[e.end], e.text, e.code, e.late) for e in edits]
    return bom + apply_edits_to_text(chars, mapped, nl).encode(encoding)
