"""plantrack.workbook: what the reader makes of the cells of a quirky file, cell by cell.

test_fixtures.py judges each fixture by its outcome (unit, period, values, issues); matching
there ignores Unicode normal form and accents, so text read wrongly can still pass. These
tests look at the text itself. The files are the fixtures in tests/fixtures/files/.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from plantrack.workbook import read_workbook

FILES = Path(__file__).resolve().parent / "fixtures" / "files"


def _sheet(name: str, sheet: str | None = None):
    wb = read_workbook((FILES / name).read_bytes())
    return next(s for s in wb.sheets if sheet is None or s.name == sheet), wb


def _strings(sheet) -> dict[tuple[int, int], str]:
    return {at: c.value for at, c in sheet.cells.items() if isinstance(c.value, str)}


# --- Excel 5.0/95 (BIFF5) ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["excel95-cp1258.xls", "excel95-no-codepage-vntime.xls"])
def test_excel95_fixtures_are_compound_files_holding_a_biff5_book_stream(name):
    # guards the hand-written fixtures: an independent CFB reader finds one 'Book' stream (BIFF5's
    # name; BIFF8 calls it 'Workbook') that opens with a BIFF5 workbook-globals BOF
    import olefile

    with olefile.OleFileIO(str(FILES / name)) as ole:
        assert ole.listdir() == [["Book"]]
        head = ole.openstream("Book").read(8)
    assert head[:4] == b"\x09\x08\x08\x00" and head[4:8] == b"\x00\x05\x05\x00"  # BOF, BIFF5, globals


def test_excel95_cp1258_strings_are_decoded_in_the_code_page_and_composed_nfc():
    # Windows-1258 writes 'ậ' as 'â' + U+0323: read as it is, 'Hậu Giang' is not the NFC text a
    # user sees, stores and searches for (the old reader kept calamine's decomposed strings)
    sheet, wb = _sheet("excel95-cp1258.xls")
    assert wb.format == "xls"
    assert sheet.name == "Biểu 01"
    strings = _strings(sheet)
    assert all(unicodedata.is_normalized("NFC", s) for s in strings.values()), \
        [s for s in strings.values() if not unicodedata.is_normalized("NFC", s)][:3]
    assert strings[(1, 1)] == "UBND HUYỆN VỊ THỦY"
    assert [strings[(r, 2)] for r in (5, 6, 7)] == ["Tỉnh:", "Huyện:", "Kỳ báo cáo:"]
    assert [strings[(r, 3)] for r in (5, 6, 7)] == ["Hậu Giang", "Huyện Vị Thủy", "6 tháng đầu năm 2023"]
    assert [strings[(9, c)] for c in range(1, 6)] == ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Tổng số", "Số đạt"]
    assert strings[(17, 5)] == "Có"


def test_excel95_numbers_come_from_number_and_rk_records_as_whole_numbers():
    sheet, _ = _sheet("excel95-cp1258.xls")
    counts = [(sheet.value(r, 4), sheet.value(r, 5)) for r in range(10, 17)]
    assert counts == [(1250, 1180), (9100, 8400), (52, 45), (38, 30), (14, 12), (8, 5), (19, 17)]
    assert all(type(v) is int for pair in counts for v in pair)


def test_excel95_without_a_codepage_record_reads_as_cp1252_and_its_vntime_font_decides():
    # no CODEPAGE record: the 8-bit strings are Windows-1252, here TCVN3 bytes in a .VnTime font
    sheet, _ = _sheet("excel95-no-codepage-vntime.xls")
    strings = _strings(sheet)
    assert strings[(5, 3)] == "Hậu Giang"
    assert strings[(6, 3)] == "Huyện Vị Thủy"
    assert strings[(17, 5)] == "Có"  # TCVN3 'Cã' reads as Unicode too: only the font tells
    assert {c.font for c in sheet.cells.values() if isinstance(c.value, str)} == {".VnTime"}


# --- rich text: fonts changing inside one cell --------------------------------------------------

@pytest.mark.parametrize("ext", ["xlsx", "xls", "ods"])
def test_rich_text_runs_are_decoded_each_in_its_own_font(ext):
    # 'Huyện: Vị ' (Times New Roman) + 'Thñy' (.VnTime): the cell as one string holds 'ị', which no
    # legacy text has, so only reading run by run gives the district (the old reader said unit-unknown)
    sheet, _ = _sheet(f"legacy-rich-text-runs.{ext}")
    assert sheet.value(6, 2) == "Huyện: Vị Thủy"


def test_a_shared_string_split_across_continue_records_keeps_its_runs():
    import struct

    from plantrack.workbook import _sst_runs

    # one rich string: 'Vị ' as UTF-16 in the SST record, then a CONTINUE that restates the width
    # (compressed) for 'Thñy', then the run (from character 3 on, FONT index 5 = the fifth record)
    sst = struct.pack("<II", 1, 1) + struct.pack("<HBH", 7, 0x09, 1) + "Vị ".encode("utf-16-le")
    cont = b"\x00" + "Thñy".encode("latin-1") + struct.pack("<HH", 3, 5)
    fonts = ["Arial", "Arial", "Arial", "Arial", ".VnTime"]
    assert _sst_runs([sst, cont], {0}, fonts) == {0: (("Vị ", None), ("Thñy", ".VnTime"))}
    assert _sst_runs([sst, cont], set(), fonts) == {}


def test_shared_strings_are_walked_for_runs_only_up_to_a_bound(monkeypatch):
    # a hostile .xls may hold millions of shared strings and point a cell at the last: the walk for
    # rich-text runs stops at MAX_SST_WALK (about 0.75 s of CPU at 100,000) and that cell keeps its own font
    import struct

    import plantrack.workbook as workbook

    monkeypatch.setattr(workbook, "MAX_SST_WALK", 10)
    rich = struct.pack("<HBH", 1, 0x08, 1) + b"a" + struct.pack("<HH", 0, 5)
    sst = struct.pack("<II", 20, 20) + rich * 20
    fonts = ["Arial", "Arial", "Arial", "Arial", ".VnTime"]
    assert workbook._sst_runs([sst], {5}, fonts) == {5: (("a", ".VnTime"),)}
    assert workbook._sst_runs([sst], {15}, fonts) == {}
