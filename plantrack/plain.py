"""Text that came from an uploaded file stays text wherever plantrack shows or writes it.

A cell, a sheet name or a file name is data, never markup: ``markdown_text`` makes such a
string render as itself in anything that reads Markdown (Streamlit's ``st.markdown``,
``st.caption``, ``st.error``…, where ``[x](http://…)`` would become a link and ``![x](…)``
an image fetched by whoever opens the page); ``text_cell`` keeps a string written into a
workbook from becoming a formula; ``file_name`` makes a received file's name safe to write
to disk or offer as a download; ``terminal_text`` keeps it from driving a terminal.
"""

from __future__ import annotations

import re
import string
import unicodedata

_PUNCT = set(string.punctuation)  # every ASCII punctuation character may be backslash-escaped (CommonMark)
_WORD_JOINER = "\u2060"  # invisible: breaks ':smile:' and ':material/x:' without changing what is read
_NEWLINES = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def markdown_text(text: object) -> str:
    """``text`` escaped so that Markdown (and Streamlit's extensions) shows it verbatim: every ASCII
    punctuation character is backslash-escaped (no link, image, HTML, emphasis, heading, table,
    LaTeX or bare-URL autolink can start), a colon is followed by an invisible word joiner (no emoji
    or icon shortcode, no ``:red[…]``), and line breaks become spaces (no block can start)."""
    out = []
    for ch in _NEWLINES.sub(" ", "" if text is None else str(text)):
        if ch in _PUNCT:
            out.append("\\" + ch)
            if ch == ":":
                out.append(_WORD_JOINER)
        else:
            out.append(ch)
    return "".join(out)


def text_cell(cell):
    """The openpyxl ``cell`` with a string value stored as text: openpyxl would write a string
    starting with '=' as a formula. Returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def terminal_text(text: object) -> str:
    """``text`` for a terminal line: control and format characters (escape sequences, line breaks,
    bidirectional overrides) are shown as their ``\\x1b``/``\\u202e`` escapes, not obeyed."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf") else ch
                   for ch in ("" if text is None else str(text)))


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def file_name(name: str | None, default: str = "bao-cao.xlsx", max_length: int = 120) -> str:
    """A received file's name (its folders dropped) fit to be written in a folder or offered as a
    download: no path separator, control or format character, no leading dot, at most
    ``max_length`` characters (the extension kept)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    if not base:
        return default
    stem, dot, ext = base.rpartition(".")
    if not dot or len(ext) > 5:
        stem, ext = base, ""
    stem = stem[: max_length - len(ext) - 1].rstrip(" .") or "bao-cao"
    return f"{stem}.{ext}" if ext else stem


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with ``-2``, ``-3``… before its extension, not yet in ``taken`` (compared
    ignoring case); the name chosen is added to ``taken``."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
    taken.add(candidate.casefold())
    return candidate
