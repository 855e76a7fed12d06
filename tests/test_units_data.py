"""Reference data of Vietnam's administrative units (data/*.csv, plantrack/units.py)."""

from __future__ import annotations

import csv
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from plantrack.units import NEW_MAP, OLD_MAP, Unit, UnitsDataError, load_units, match_commune, match_district

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SCRIPT = REPO / "scripts" / "make_units.py"
DATA_FILES = ("provinces.csv", "districts.csv", "provinces_2025.csv", "communes.csv", "province_successors.csv",
              "district_communes.csv", "maps.csv")


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
    assert p["01"] == Unit(OLD_MAP, "province", "01", "Hà Nội", "Thành phố")
    assert p["93"] == Unit(OLD_MAP, "province", "93", "Hậu Giang", "Tỉnh")
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
    assert units.districts["933"] == Unit(OLD_MAP, "district", "933", "Châu Thành", "Huyện", "93")
    assert units.districts["933"].full_name == "Huyện Châu Thành"


def test_names_are_nfc_and_trimmed():
    for name in DATA_FILES:
        raw = (DATA / name).read_bytes()
        text = raw.decode("utf-8")
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert "\r" not in text
        assert text.endswith("\n")
        assert unicodedata.normalize("NFC", text) == text, name
        for row in csv.reader(text.splitlines()):
            assert all(v == v.strip() for v in row), (name, row)
            assert name == "maps.csv" or all(row), (name, row)


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
        for name in DATA_FILES:
            assert (out / name).read_bytes() == (DATA / name).read_bytes(), (attempt, name)


# --- today's map and the concordance (units.md) ------------------------------------------

def test_new_map_counts(units):
    assert len(units.provinces_2025) == 34
    assert len(units.communes) == 3321
    kinds = [c.kind for c in units.communes.values()]
    assert (kinds.count("Xã"), kinds.count("Phường"), kinds.count("Đặc khu")) == (2621, 687, 13)
    assert all(units.communes_of(p) for p in units.provinces_2025)
    assert sum(len(units.communes_of(p)) for p in units.provinces_2025) == 3321


def test_reform_date_is_data(units):
    import datetime as dt
    assert units.reform_date == dt.date(2025, 7, 1)
    assert units.map_on(dt.date(2025, 5, 15)) == OLD_MAP
    assert units.map_on(dt.date(2025, 11, 30)) == NEW_MAP


def test_every_old_province_and_district_has_exactly_one_new_province(units):
    assert set(units.successors) == set(units.provinces)
    news = {units.successor(code).code for code in units.provinces}
    assert news == set(units.provinces_2025)
    # 23 new provinces were formed from 52 old ones; 11 are unchanged
    sizes = [len(units.predecessors(c)) for c in units.provinces_2025]
    assert sizes.count(1) == 11 and sum(s for s in sizes if s > 1) == 52
    for d in units.districts.values():
        covering = units.communes_covering(d.code)
        assert covering, d
        # every commune that covers a district lies in the district's new province
        assert {c.parent for c, _ in covering} == {units.successor(d.parent).code}, d


def test_merged_provinces_from_units_md(units):
    def preds(code):
        return sorted(p.name for p in units.predecessors(code))
    assert preds("92") == ["Cần Thơ", "Hậu Giang", "Sóc Trăng"]
    assert preds("31") == ["Hải Dương", "Hải Phòng"]
    assert preds("24") == ["Bắc Giang", "Bắc Ninh"]
    assert preds("19") == ["Bắc Kạn", "Thái Nguyên"]
    assert preds("38") == ["Thanh Hóa"]


def test_codes_are_reused_but_units_are_not(units):
    # 80 was Long An, is Tây Ninh: a code alone never identifies a unit
    assert units.provinces["80"].name == "Long An" and units.provinces_2025["80"].name == "Tây Ninh"
    assert units.provinces["80"] != units.provinces_2025["80"]
    assert units.resolve_province("80").unit == units.provinces_2025["80"]
    assert units.resolve_province("80 (cũ)").unit == units.provinces["80"]
    assert units.resolve_province("Long An").unit == units.provinces["80"]
    assert units.resolve_province("Bắc Ninh").unit == units.provinces_2025["24"]
    assert units.resolve_province("Bắc Ninh (cũ)").unit == units.provinces["27"]
    assert units.resolve_province("93").unit == units.provinces["93"]  # old Hậu Giang: no new 93
    assert units.resolve_province("hau giang").unit == units.provinces["93"]
    assert units.province_ref(units.provinces["80"]) == "80 (cũ)"
    assert units.province_ref(units.provinces["93"]) == "93"


def test_ambiguous_names_on_both_maps(units):
    can_tho = units.provinces_2025["92"]
    old_districts = units.reporting_units(can_tho, OLD_MAP)
    m = match_district(units, "Châu Thành", None, pool=old_districts)
    assert m.unit is None and m.ambiguous
    assert m.candidates == ("Huyện Châu Thành (Tỉnh Hậu Giang)", "Huyện Châu Thành (Tỉnh Sóc Trăng)")
    assert match_district(units, "Vị Thủy", None, pool=old_districts).unit == units.districts["935"]
    # a commune spelled exactly wins over one that matches only without accents
    exact = match_commune(units, "Xã Tân Thạnh", None)
    assert exact.ambiguous and all("Tân Thạnh" in c for c in exact.candidates)
    assert match_commune(units, "Phường Vị Thanh", "92").unit.code == "31321"
    assert match_commune(units, "vi thanh", "92").unit.code == "31321"


def test_district_page_names_the_communes_that_cover_it(units):
    covering = {c.full_name: whole for c, whole in units.communes_covering("935")}  # Huyện Vị Thủy
    assert covering["Xã Vị Thủy"] is True
    assert "Xã Vĩnh Thuận Đông" in covering
    assert units.former_districts("31441") == [units.districts["935"]]


def test_a_former_district_name_two_predecessors_share_names_its_former_province():
    """New Cần Thơ took in a Huyện Châu Thành from Hậu Giang and one from Sóc Trăng: a planner must
    tell the two groups apart; a name no other former district of the province has stays as it is."""
    units = load_units()
    labels = sorted(units.former_district_label(d) for d in units.districts.values()
                    if d.name == "Châu Thành" and units.successor(d.parent).code == "92")
    assert labels == ["Huyện Châu Thành (Hậu Giang cũ)", "Huyện Châu Thành (Sóc Trăng cũ)"]
    assert units.former_district_label(units.districts["930"]) == "Thành phố Vị Thanh"
