"""Loading returns end to end: accepted, versions, unchanged, refused, late, history checks."""

import datetime as dt

from helpers import full_values, load, make_return, new_store
from plantrack.ingest import ingest_bytes


def counts(store):
    return {t: store.rows(f"SELECT count(*) FROM {t}")[0][0]
            for t in ("receipts", "blobs", "returns", "return_values", "issues")}


def test_a_filled_template_is_accepted_and_reads_back_exactly(tmp_path):
    store = new_store(tmp_path)
    values = full_values("933")
    out = load(store, "933", "2023", values)
    assert out.status == "accepted" and out.version == 1 and not out.errors
    assert (out.province_code, out.district_code, out.period) == ("93", "933", "2023")
    assert out.province == "Hậu Giang" and out.district == "Huyện Châu Thành"
    stored = dict(((i, (n, d)) for i, n, d in store.rows(
        "SELECT indicator, numerator, denominator FROM return_values")))
    for code, (den, num) in values.items():
        expected = (1, 1) if code == "CT08" else (num, den)
        assert stored[code] == expected


def test_a_new_return_for_the_same_district_and_period_is_a_new_version(tmp_path):
    store = new_store(tmp_path)
    load(store, "933", "2023", full_values("933"))
    out = load(store, "933", "2023", full_values("933", scale=2))
    assert out.status == "accepted" and out.version == 2
    current = store.rows("SELECT version FROM current_returns WHERE district_code = '933'")
    assert current == [(2,)]
    assert store.rows("SELECT count(*) FROM returns")[0][0] == 2  # the old version stays in history


def test_the_same_bytes_twice_are_unchanged_and_make_no_new_version(tmp_path):
    store = new_store(tmp_path)
    data = make_return("933", "2023", full_values("933"))
    first = ingest_bytes(store, data, "a.xlsx")
    again = ingest_bytes(store, data, "a-copy.xlsx")
    assert first.status == "accepted" and again.status == "unchanged" and again.version == 1
    c = counts(store)
    assert c["returns"] == 1 and c["receipts"] == 2 and c["blobs"] == 1


def test_a_refused_file_stores_only_its_bytes_and_outcome(tmp_path):
    store = new_store(tmp_path)
    bad = full_values("933")
    bad["CT02"] = (100, 150)  # Số đạt > Tổng số
    bad["CT03"] = (-1, 5)
    out = load(store, "933", "2023", bad)
    assert out.status == "rejected"
    assert {(e.code, e.cell) for e in out.errors} == {("numerator-exceeds-denominator", "F12"), ("value-negative", "E13")}
    c = counts(store)
    assert c["returns"] == 0 and c["return_values"] == 0
    assert c["receipts"] == 1 and c["blobs"] == 1 and c["issues"] >= 2
    assert store.rows("SELECT outcome FROM receipts") == [("rejected",)]


def test_a_refused_file_leaves_the_current_version_in_place(tmp_path):
    store = new_store(tmp_path)
    load(store, "933", "2023", full_values("933"))
    bad = full_values("933")
    bad["CT01"] = ("abc", 5)
    assert load(store, "933", "2023", bad).status == "rejected"
    assert store.rows("SELECT version FROM current_returns") == [(1,)]


def test_late_when_received_after_the_due_date(tmp_path):
    store = new_store(tmp_path)
    on_time = load(store, "933", "2023H1", received=dt.datetime(2023, 5, 15, 16, 0))
    late = load(store, "930", "2023H1", received=dt.datetime(2023, 5, 16, 8, 0))
    assert "late" not in {w.code for w in on_time.warnings}
    assert [w.code for w in late.warnings if w.code == "late"] == ["late"]
    assert store.rows("SELECT district_code, on_time FROM returns ORDER BY 1") == [("930", False), ("933", True)]


def test_denominator_jump_against_the_units_previous_return(tmp_path):
    store = new_store(tmp_path)
    load(store, "933", "2022", full_values("933"))
    values = full_values("933")
    values["CT01"] = (1000, 10)  # was 100
    out = load(store, "933", "2023H1", values)
    jumps = [w for w in out.warnings if w.code == "denominator-jump"]
    assert [(w.indicator, w.cell) for w in jumps] == [("CT01", "E11")]


def test_not_reported_is_stored_as_null_never_zero(tmp_path):
    store = new_store(tmp_path)
    values = full_values("933")
    values["CT05"] = (None, None)
    out = load(store, "933", "2023", values)
    assert out.status == "accepted"
    assert ("not-reported", "CT05") in {(w.code, w.indicator) for w in out.warnings}
    assert store.rows("SELECT numerator, denominator FROM return_values WHERE indicator = 'CT05'") == [(None, None)]


def test_a_district_officer_cannot_load_another_districts_return(tmp_path):
    store = new_store(tmp_path)
    data = make_return("930", "2023", full_values("930"))
    out = ingest_bytes(store, data, "x.xlsx", expect_district="933")
    assert out.status == "rejected" and "unit-mismatch" in {e.code for e in out.errors}
    assert counts(store)["returns"] == 0
    # the refusal is filed under the district that sent it, not the one its file names
    assert store.rows("SELECT district_code FROM receipts") == [("933",)]
    # the same bytes accepted for their own district are not "unchanged" for another one
    assert ingest_bytes(store, data, "x.xlsx", expect_district="930").status == "accepted"
    assert ingest_bytes(store, data, "x.xlsx", expect_district="933").status == "rejected"


def test_a_file_over_the_size_limit_is_refused_and_not_kept(tmp_path):
    store = new_store(tmp_path)
    data = make_return("933", "2023", full_values("933"))
    out = ingest_bytes(store, data, "big.xlsx", max_bytes=len(data) - 1)
    assert out.status == "rejected" and [e.code for e in out.errors] == ["file-too-large"]
    assert counts(store)["blobs"] == 0 and counts(store)["receipts"] == 1


def test_a_folder_load_reads_spreadsheetml_xml_and_refuses_other_xml(tmp_path):
    # Excel 2003's XML Spreadsheet is saved as .xml: a folder load picks it up and reads it; an .xml
    # that is not SpreadsheetML is refused as file-type, not skipped (the old loader saw neither)
    from pathlib import Path

    from plantrack.ingest import ingest_paths

    folder = tmp_path / "inbox"
    folder.mkdir()
    fixture = Path(__file__).resolve().parent / "fixtures" / "files" / "spreadsheetml-2003.xml"
    (folder / "vi-thuy-2003.xml").write_bytes(fixture.read_bytes())
    (folder / "ke-khai.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<HSoThueDTu><TKhai/></HSoThueDTu>\n',
                                        encoding="utf-8")
    (folder / "notes.txt").write_text("not a return")
    store = new_store(tmp_path)
    outcomes = {Path(o.file).name: o for o in ingest_paths(store, [folder])}
    assert set(outcomes) == {"ke-khai.xml", "vi-thuy-2003.xml"}
    read = outcomes["vi-thuy-2003.xml"]
    assert (read.status, read.district_code, read.period) == ("accepted", "935", "2023H1"), read.errors
    other = outcomes["ke-khai.xml"]
    assert other.status == "rejected" and [e.code for e in other.errors] == ["file-type"]
    assert "XML" in other.errors[0].message


def test_only_the_newest_version_is_flagged_current_and_a_refused_file_changes_nothing(tmp_path):
    store = new_store(tmp_path)
    load(store, "933", "2023", full_values("933"))
    load(store, "933", "2023", full_values("933", scale=2))
    before = counts(store)
    bad = full_values("933", scale=3)
    bad["CT02"] = (10, 20)  # Số đạt > Tổng số: refused
    assert load(store, "933", "2023", bad).status == "rejected"
    assert store.rows("SELECT version, is_current FROM returns ORDER BY version") == [(1, False), (2, True)]
    after = counts(store)
    assert {k: after[k] - before[k] for k in after} == {"receipts": 1, "blobs": 1, "returns": 0,
                                                        "return_values": 0, "issues": 1}


def test_a_folder_load_checked_ahead_in_processes_gives_what_one_by_one_gives(tmp_path):
    from plantrack.ingest import ingest_many

    files = [(f"{c}-{p}.xlsx", make_return(c, p, full_values(c, scale=k)), None, dt.datetime(2020, 1, 1))
             for k, p in enumerate(["2022", "2023"], 1) for c in ("930", "931", "932", "933")]
    bad = full_values("934")
    bad["CT01"] = (5, 9)
    files.insert(3, ("bad.xlsx", make_return("934", "2023", bad), None, dt.datetime(2020, 1, 1)))
    files.append(files[0])  # the same bytes again: unchanged
    jump = full_values("930", scale=9)  # Tổng số ×4.5 from 2023's: a denominator-jump warning
    files.append(("jump.xlsx", make_return("930", "2024", jump), None, dt.datetime(2020, 1, 1)))
    files.append(("930-2024-v2.xlsx", make_return("930", "2024", full_values("930", scale=8)), None,
                  dt.datetime(2020, 1, 2)))  # a second version within the same batch
    one, many, grouped = (new_store(tmp_path / name) for name in ("one", "many", "grouped"))
    expected = [ingest_bytes(one, d, n, sender=s, received=r) for n, d, s, r in files]

    def shape(outcomes):
        return [(o.file, o.status, o.district_code, o.period, o.version, [i.code for i in o.errors + o.warnings])
                for o in outcomes]

    assert shape(ingest_many(many, iter(files), workers=2)) == shape(expected)
    # the demo's grouped load: a batch in one transaction, the same judgement of every file
    assert shape(ingest_many(grouped, iter(files), workers=1, grouped=True)) == shape(expected)
    want = shape(expected)
    assert "denominator-jump" in want[-2][-1] and want[-3][1] == "unchanged" and want[3][1] == "rejected"
    assert want[-1][1:5] == ("accepted", "930", "2024", 2)
    for store in (many, grouped):
        assert counts(store) == counts(one)
        assert current(store) == current(one)  # the newest version of each unit's period, and only it, counts


def current(store):
    return sorted(store.rows("SELECT district_code, period, version, is_current FROM returns"))
