"""Does a string that Streamlit renders as Markdown still hold markup? (no Markdown library needed)

``markup_in(body)`` lists every construct in ``body`` that Markdown, HTML or Streamlit's
extensions would turn into something other than the text itself: a link or image (``](``),
an HTML tag, a ``javascript:`` or bare web address (GFM autolinks it), an emoji or icon
shortcode (``:smile:``, ``:material/x:``), coloured text (``:red[``) and LaTeX (``$``). A
character preceded by an odd number of backslashes is escaped and does not count.
"""

from __future__ import annotations

import re

_CONSTRUCTS = {
    "link or image": r"\]\(",
    "html tag": r"<[A-Za-z/!?]",
    "javascript url": r"javascript:",
    "web address": r"(?:https?:|www\.)",
    "shortcode": r":[\w/+-]+:",
    "coloured text": r":[a-z]+\[",
    "latex": r"\$",
}


def _unescaped(body: str, start: int) -> bool:
    n, i = 0, start - 1
    while i >= 0 and body[i] == "\\":
        n, i = n + 1, i - 1
    return n % 2 == 0


def markup_in(body: str) -> list[str]:
    found = []
    for name, pattern in _CONSTRUCTS.items():
        for m in re.finditer(pattern, body, re.I):
            # every character of the construct must be unescaped for it to work
            if all(_unescaped(body, k) for k in range(m.start(), m.end()) if body[k] in "]([<:$."):
                found.append(f"{name}: {body[max(0, m.start() - 20):m.end() + 20]!r}")
    return found
