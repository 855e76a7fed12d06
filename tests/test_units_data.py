"""Reference data of Vietnam's administrative units (data/*.csv, plantrack/units.py)."""

from __future__ import annotations

import csv
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from plantrack.units import District, Province, UnitsDataError, load_units

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SCRIPT = REPO / "scripts" / "make_units.py"


@pytest.fixture(scope="module")
def units():
    return load_units()


def test_63_provinces_with_unique_two_digit_codes(units):
    codes = [row["code"] for row in csv.DictReader((DATA / "provinces.csv").open(encoding="utf-8"))]
    assert len(codes) == 63
    assert len(set(codes)) == 63
    assert codes == sorted(codes)
    assert len(units.provinces) == 63
    for code in codes:
        assert len(code) == 2 and code.isascii() and code.isdigit(), code


def test_known_provinces(units):
    p = units.provinces
    assert p["01"] == Province("01", "Hà Nội", "Thành phố")
    assert p["93"] == Province("93", "Hậu Giang", "Tỉnh")
    assert p["31"].name == "Hải Phòng"
    assert p["27"].name == "Bắc Ninh"
    assert p["06"].name == "Bắc Kạn"
    assert p["38"].name == "Thanh Hóa"
    assert p["79"].name == "Hồ Chí Minh"
    assert p["93"].full_name == "Tỉnh Hậu Giang"
    assert p["01"].full_name == "Thành phố Hà Nội"
    assert {x.kind for x in p.values()} == {"Tỉnh", "Thành phố"}
    # The source reflects 1 Jan 2025, when Huế (46) had become the sixth
    # centrally-run city (formerly Tỉnh Thừa Thiên Huế).
    assert {c for c, x in p.items() if x.kind == "Thành phố"} == {"01", "31", "46", "48", "79", "92"}


def test_district_codes_and_provinces(units):
    rows = list(csv.DictReader((DATA / "districts.csv").open(encoding="utf-8")))
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)) == len(units.districts) == 696
    assert codes == sorted(codes)
    for r in rows:
        assert len(r["code"]) == 3 and r["code"].isascii() and r["code"].isdigit(), r
        assert r["province_code"] in units.provinces, r
        assert r["kind"] in {"Quận", "Huyện", "Thị xã", "Thành phố"}, r
    assert sum(len(units.districts_of(p)) for p in units.provinces) == 696
    assert all(units.districts_of(p) for p in units.provinces)


def test_hau_giang_districts(units):
    got = [(d.code, d.name, d.kind) for d in units.districts_of("93")]
    # The source spells 935 "Vị Thủy" (tone mark on the u), not "Vị Thuỷ".
    assert got == [
        ("930", "Vị Thanh", "Thành phố"),
        ("931", "Ngã Bảy", "Thành phố"),
        ("932", "Châu Thành A", "Huyện"),
        ("933", "Châu Thành", "Huyện"),
        ("934", "Phụng Hiệp", "Huyện"),
        ("935", "Vị Thủy", "Huyện"),
        ("936", "Long Mỹ", "Huyện"),
        ("937", "Long Mỹ", "Thị xã"),
    ]
    assert units.districts["933"] == District("933", "93", "Châu Thành", "Huyện")
    assert units.districts["933"].full_name == "Huyện Châu Thành"


def test_names_are_nfc_and_trimmed():
    for name in ("provinces.csv", "districts.csv"):
        raw = (DATA / name).read_bytes()
        text = raw.decode("utf-8")
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert "\r" not in text
        assert text.endswith("\n")
        assert unicodedata.normalize("NFC", text) == text, name
        for row in csv.reader(text.splitlines()):
            assert all(v and v == v.strip() for v in row), (name, row)


def test_districts_of_unknown_province(units):
    with pytest.raises(KeyError):
        units.districts_of("99")


def test_load_units_is_cached(units):
    assert load_units() is units
    assert load_units(DATA) is units


def test_malformed_row_names_file_and_line(tmp_path):
    (tmp_path / "provinces.csv").write_text(
        "code,name,kind\n01,Hà Nội,Thành phố\n93,Hậu Giang\n", encoding="utf-8"
    )
    (tmp_path / "districts.csv").write_text("code,province_code,name,kind\n", encoding="utf-8")
    with pytest.raises(UnitsDataError, match=r"provinces\.csv:3: "):
        load_units(tmp_path)


def test_bad_district_row_names_file_and_line(tmp_path):
    (tmp_path / "provinces.csv").write_text("code,name,kind\n93,Hậu Giang,Tỉnh\n", encoding="utf-8")
    (tmp_path / "districts.csv").write_text(
        "code,province_code,name,kind\n930,93,Vị Thanh,Thành phố\n93,93,Ngã Bảy,Thành phố\n",
        encoding="utf-8",
    )
    with pytest.raises(UnitsDataError, match=r"districts\.csv:3: .*3-digit"):
        load_units(tmp_path)


def test_script_regenerates_identical_files(tmp_path):
    for attempt in ("a", "b"):
        out = tmp_path / attempt
        proc = subprocess.run(
            [sys.executable, str(SCRIPT), "--out", str(out)],
            capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        for name in ("provinces.csv", "districts.csv"):
            assert (out / name).read_bytes() == (DATA / name).read_bytes(), (attempt, name)
