"""What in an .xlsx could run, fetch or link when opened: the scanner the trust tests use.

``live_content`` lists every formula, external or DDE link, external hyperlink, macro,
defined name (but print titles and areas) and formula-holding rule in a workbook's XML.
``PLANTRACK_RULES`` are the data-validation formulas plantrack's own template writes and
``PLANTRACK_FORMULA`` the Tỷ lệ (%) formula it puts in the template's rows.
"""

from __future__ import annotations

import io
import re
import zipfile

PLANTRACK_RULES = {"0", '"Có,Không"'}
_FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>([^<]*)</(?:\w+:)?f>)")
PLANTRACK_FORMULA = re.compile(r'IF\(AND\(ISNUMBER\(E(\d+)\),ISNUMBER\(F\1\),E\1&gt;0\),ROUND\(F\1/E\1\*100,2\),(?:""|&quot;&quot;)\)')
_DEFINED = re.compile(rb'<(?:\w+:)?definedName [^>]*name="([^"]+)"[^>]*>([^<]*)<')
_RULE = re.compile(rb"<(?:\w+:)?(formula1?|formula2)>([^<]*)<")
_PRINT_NAMES = {b"_xlnm.Print_Titles", b"_xlnm.Print_Area"}


def live_content(data: bytes, allowed: re.Pattern | None = None) -> list[str]:
    """Every live thing found in the workbook ``data`` (empty: nothing can run, fetch or link);
    cell formulas that fully match ``allowed`` are plantrack's own and not listed."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            name = info.filename
            body = zf.read(info)
            lower = name.lower()
            if any(k in lower for k in ("externallink", "vbaproject", "activex", "embeddings", "connections",
                                        "querytable", "ctrlprops")):
                found.append(f"{name}: part")
            if lower.endswith(".rels") and b'TargetMode="External"' in body:
                found.append(f"{name}: external target")
            if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
                for m in _FORMULA.finditer(body):
                    text = (m.group(1) or b"").decode()
                    if not (allowed and allowed.fullmatch(text)):
                        found.append(f"{name}: cell formula {text[:60]!r}")
                if b"<hyperlink " in body and b"r:id=" in body.split(b"<hyperlinks>", 1)[-1]:
                    found.append(f"{name}: hyperlink to a target outside the workbook")
                for kind, text in _RULE.findall(body):
                    if kind == b"formula" or text.decode().replace("&quot;", '"') not in PLANTRACK_RULES:
                        found.append(f"{name}: {kind.decode()} {text[:60]!r}")
            if b"ddeLink" in body or b"oleLink" in body:
                found.append(f"{name}: DDE/OLE link")
            if lower == "xl/workbook.xml":
                for dname, text in _DEFINED.findall(body):
                    ref = text.replace(b"&apos;", b"'")
                    if dname not in _PRINT_NAMES or not re.fullmatch(rb"(?:'(?:[^']|'')*'|[^'!|(]+)![$A-Z0-9:,]+", ref):
                        found.append(f"defined name {dname.decode()} = {text[:60]!r}")
    return found
