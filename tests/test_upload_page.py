"""The upload, history and export pages, driven with Streamlit's AppTest (no browser).

Streamlit 1.67's AppTest supports ``st.file_uploader`` (``at.file_uploader[0].set_value``),
so files go through the page exactly as a browser would send them. Each test points
PLANTRACK_DB at its own store and clears Streamlit's caches (the Store is a cache_resource).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from plantrack.ingest import ingest_bytes
from plantrack.issues import NAMES_VI
from plantrack.store import Store

from tests.helpers import full_values, load, make_return

CODE_OF = {name: code for code, name in NAMES_VI.items()}  # the pages show the codes' Vietnamese names

PAGES = Path(__file__).resolve().parent.parent / "pages"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
USERS = {
    "huyen933": {"username": "huyen933", "role": "district", "province_code": "93", "district_code": "933"},
    "tinh93": {"username": "tinh93", "role": "province", "province_code": "93", "district_code": None},
    "quocgia": {"username": "quocgia", "role": "admin", "province_code": None, "district_code": None},
}


def _use(monkeypatch, path: Path) -> Store:
    monkeypatch.setenv("PLANTRACK_DB", str(path))
    st.cache_resource.clear()  # common.get_store() is cached per process
    st.cache_data.clear()
    return Store(path)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Leave no cached Store (pointing at this test's tmp store) behind for the next test."""
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    return _use(monkeypatch, tmp_path / "pages.duckdb")


@pytest.fixture(scope="module")
def filled_db(tmp_path_factory) -> Path:
    """A small demo-like store: Hậu Giang's eight districts for two periods, one refused file."""
    path = tmp_path_factory.mktemp("filled") / "filled.duckdb"
    s = Store(path)
    from plantrack.units import load_units

    for n, d in enumerate(load_units().districts_of("93")):
        for period, received, scale in (("2022", dt.datetime(2022, 11, 20), 2), ("2023", dt.datetime(2023, 11, 20), 3)):
            if d.code == "936" and period == "2023":
                continue  # one return missing
            values = {code: (den * scale, num * scale + n) if den else (den, num)
                      for code, (den, num) in full_values(d.code).items()}
            out = load(s, d.code, period, values, received=received)
            assert out.status == "accepted", out.errors
    bad = full_values("931")
    bad["CT02"] = (100, 250)
    out = ingest_bytes(s, make_return("931", "2023", bad), "931-sai.xlsx", sender="huyen931",
                       received=dt.datetime(2023, 11, 18))
    assert out.status == "rejected"
    return path


@pytest.fixture
def filled(filled_db, tmp_path, monkeypatch) -> Store:
    copy = tmp_path / "filled.duckdb"
    shutil.copy(filled_db, copy)
    return _use(monkeypatch, copy)


def page(name: str, user: str | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)
    if user:
        at.session_state["user"] = USERS[user]
    return at.run()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="upload_files").set_value([(name, data, XLSX) for name, data in files])
    return at.run()


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


WARNING_CODES = {"indicator-unknown", "not-reported", "ratio-mismatch", "denominator-jump", "late"}


def _tables(at: AppTest) -> list:
    """The tables on the page (issue and value tables are dataframes: file text is never Markdown)."""
    return [t.value for t in at.table] + [d.value for d in at.dataframe]


def _error_table(at: AppTest):
    tables = [t for t in _tables(at) if "Lỗi và cách sửa" in t.columns and not set(t["Loại lỗi"].map(CODE_OF)) <= WARNING_CODES]
    assert tables, "no error table on the page"
    return tables


def _returns(store: Store, district: str) -> int:
    return store.rows("SELECT count(*) FROM returns WHERE district_code = ?", [district])[0][0]


# --- Nộp báo cáo ----------------------------------------------------------------------------

def test_upload_needs_login(store):
    at = page("upload")
    assert not at.exception
    assert any("đăng nhập" in t for t in _texts(at.info))
    assert not at.file_uploader


def test_officer_sees_only_own_district_and_the_form(store):
    at = page("upload", "huyen933")
    assert not at.exception
    district = at.selectbox(key="upload_district")
    assert district.options == ["Huyện Châu Thành"]
    assert district.value.code == "933" and district.disabled
    # the sidebar's period is today's Cần Thơ's latest (2025, communes' only): a district officer's is 2025H1
    assert at.selectbox(key="upload_period").value.code == "2025H1"
    assert "Năm 2025" not in at.selectbox(key="upload_period").options  # a former district has no 2025 return
    at.selectbox(key="upload_period").set_value(_period("2024H1")).run()
    assert at.session_state["period"] == "2024H1"  # chosen here, chosen in the sidebar too
    assert "Tải mẫu báo cáo (.xlsx)" in [b.label for b in at.get("download_button")]
    uploader = at.file_uploader(key="upload_files")
    # no type filter: Streamlit would refuse another type in English ("docx files are not allowed");
    # the engine refuses it in Vietnamese (file-type, test_a_word_file_is_refused_in_vietnamese below)
    assert uploader.accept_multiple_files and not uploader.allowed_type
    assert all(s in uploader.label for s in (".xlsx", ".xlsm", ".xls", ".ods", ".xml"))


def test_good_file_is_previewed_then_accepted_and_bad_file_refused_with_every_error(store):
    at = page("upload", "huyen933")
    at.selectbox(key="upload_period").set_value(_period("2023")).run()
    good = make_return("933", "2023", full_values("933"))
    bad_values = full_values("933")
    bad_values["CT01"] = (100, 150)  # Số đạt > Tổng số
    bad_values["CT03"] = (60, "nhiều")  # not a number
    bad = make_return("933", "2023", bad_values)
    upload(at, ("chau-thanh-2023.xlsx", good), ("chau-thanh-sai.xlsx", bad))
    assert not at.exception

    # the bad file is refused at once, with every error (cell + code) and the marked-up workbook
    assert any("Không nhận tệp này (2 lỗi)" in t for t in _texts(at.error))
    errors = _error_table(at)[0]
    assert list(errors.columns[:4]) == ["Trang tính", "Ô", "Chỉ tiêu", "Lỗi và cách sửa"]
    assert set(zip(errors["Ô"], errors["Loại lỗi"].map(CODE_OF))) == {("F11", "numerator-exceeds-denominator"),
                                                        ("F13", "value-not-number")}
    assert "Tải tệp đã đánh dấu lỗi" in [b.label for b in at.get("download_button")]

    # the good one is previewed (what will be stored) and stored only when confirmed
    assert any("Huyện Châu Thành" in t and "Năm 2023" in t for t in _texts(at.markdown))
    values = next(t for t in _tables(at) if "Số đạt" in t.columns)
    assert values.set_index("Mã chỉ tiêu").loc["CT01", "Tổng số"] == "100"
    assert _returns(store, "933") == 0
    assert store.rows("SELECT outcome FROM receipts") == [("rejected",)]

    at.button(key=next(b.key for b in at.button if b.label == "Nộp báo cáo này")).click().run()
    assert not at.exception
    assert any("Đã nhận báo cáo Huyện Châu Thành" in t and "phiên bản 1" in t for t in _texts(at.success))
    assert _returns(store, "933") == 1
    assert sorted(r[0] for r in store.rows("SELECT outcome FROM receipts")) == ["accepted", "rejected"]
    assert store.rows("SELECT sender FROM receipts WHERE outcome = 'accepted'") == [("huyen933",)]

    at.run()  # a rerun neither stores the files again nor forgets their outcomes
    assert store.rows("SELECT count(*) FROM receipts")[0][0] == 2
    assert any("Đã nhận báo cáo" in t for t in _texts(at.success))


def _period(code: str):
    from plantrack.plans import parse_period

    return parse_period(code)


@pytest.mark.parametrize("mode", ["choice", "file"])
def test_officer_cannot_load_another_districts_return(store, mode):
    at = page("upload", "huyen933")
    at.radio(key="upload_mode").set_value(mode)
    at.selectbox(key="upload_period").set_value(_period("2023"))
    at.run()
    upload(at, ("vi-thanh.xlsx", make_return("930", "2023", full_values("930"))))
    assert not at.exception
    assert any("chỉ nộp được báo cáo của đơn vị mình" in t for t in _texts(at.error))
    table = _error_table(at)[0]
    assert "unit-mismatch" in list(table["Loại lỗi"].map(CODE_OF))
    assert any("Tệp này là báo cáo của Thành phố Vị Thanh, không phải của Huyện Châu Thành" in m
               for m in table["Lỗi và cách sửa"])
    assert not [b for b in at.button if b.label == "Nộp báo cáo này"]
    assert _returns(store, "930") == 0
    assert store.rows("SELECT outcome, sender FROM receipts") == [("rejected", "huyen933")]


def test_wrong_period_is_refused_with_a_hint(store):
    at = page("upload", "huyen933")
    at.selectbox(key="upload_period").set_value(_period("2024"))
    at.run()
    upload(at, ("2023.xlsx", make_return("933", "2023", full_values("933"))))
    assert any("không phải **Năm 2024**" in t for t in _texts(at.error))
    assert "period-invalid" in list(_error_table(at)[0]["Loại lỗi"].map(CODE_OF))
    assert _returns(store, "933") == 0


def test_planner_reads_district_from_file_but_only_for_own_province(store):
    at = page("upload", "tinh93")
    at.radio(key="upload_mode").set_value("file").run()
    elsewhere = _other_province_district()
    upload(at, ("vi-thanh.xlsx", make_return("930", "2023", full_values("930"))),
           ("hai-phong.xlsx", make_return(elsewhere, "2023", full_values(elsewhere))))
    assert not at.exception
    assert any("không được nộp báo cáo cho đơn vị này" in t for t in _texts(at.error))
    at.button(key=next(b.key for b in at.button if b.label == "Nộp báo cáo này")).click().run()
    assert any("Đã nhận báo cáo Thành phố Vị Thanh" in t for t in _texts(at.success))
    assert _returns(store, "930") == 1
    assert store.rows("SELECT count(*) FROM receipts WHERE province_code <> '93'")[0][0] == 0


def _other_province_district() -> str:
    from plantrack.units import load_units

    return load_units().districts_of("31")[0].code  # Hải Phòng


def test_same_file_twice_is_unchanged(store):
    data = make_return("933", "2023", full_values("933"))
    for expected in ("Đã nhận báo cáo", "giống hệt tệp đã nhận"):
        at = page("upload", "huyen933")
        at.radio(key="upload_mode").set_value("file").run()
        upload(at, ("bc.xlsx", data))
        at.button(key=next(b.key for b in at.button if b.label == "Nộp báo cáo này")).click().run()
        assert any(expected in t for t in _texts(at.success) + _texts(at.info)), expected
    assert _returns(store, "933") == 1


def test_unreadable_file_is_refused_without_a_marked_file(store):
    at = page("upload", "huyen933")
    upload(at, ("ghi-chu.xlsx", b"%PDF-1.4 not a spreadsheet"))
    assert "file-type" in list(_error_table(at)[0]["Loại lỗi"].map(CODE_OF))
    assert "Tải tệp đã đánh dấu lỗi" not in [b.label for b in at.get("download_button")]


# --- Lịch sử ----------------------------------------------------------------------------------

def test_history_on_an_empty_store(store):
    at = page("history")
    assert not at.exception
    assert any("Chưa nhận tệp báo cáo nào" in t for t in _texts(at.info))


def test_history_lists_receipts_and_issues_and_downloads_need_login(filled):
    at = page("history")
    assert not at.exception
    at.selectbox(key="history_period").set_value(None).run()  # every period (it opens on the sidebar's)
    table = at.dataframe[0].value
    assert len(table) == 16 and "Bị từ chối" in set(table["Kết quả"])
    receipts = at.selectbox(key="history_receipt")
    refused = next(i for i, label in enumerate(receipts.options) if "931-sai.xlsx" in label)
    receipts.select_index(refused)
    at.run()
    assert "numerator-exceeds-denominator" in list(_error_table(at)[0]["Loại lỗi"].map(CODE_OF))
    assert any("Đăng nhập" in t for t in _texts(at.caption))
    assert not at.get("download_button")

    at.session_state["user"] = USERS["tinh93"]
    at.run()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Tải tệp gốc", "Tải tệp đã đánh dấu lỗi"]


def test_officer_history_is_own_district_and_cannot_download_others(filled):
    at = page("history", "huyen933")
    assert not at.exception
    assert set(at.dataframe[0].value["Huyện"]) == {"Huyện Châu Thành"}
    assert not [s for s in at.selectbox if s.key == "history_district"]
    assert [b.label for b in at.get("download_button")] == ["Tải tệp gốc"]

    # a planner of another province sees Hậu Giang's list only when it is selected, without downloads
    at = AppTest.from_file(str(PAGES / "history.py"), default_timeout=120)
    at.session_state["user"] = {"username": "tinh31", "role": "province", "province_code": "31", "district_code": None}
    at.session_state["province"] = "93"
    at.run()
    assert any("không được tải" in t for t in _texts(at.caption))
    assert not at.get("download_button")


# --- Xuất báo cáo -----------------------------------------------------------------------------

def test_export_on_an_empty_store(store):
    at = page("export")
    assert not at.exception
    assert any("chưa có báo cáo nào" in t for t in _texts(at.info))
    assert not at.get("download_button")


def test_export_offers_the_report_and_three_charts(filled):
    at = page("export")
    assert not at.exception
    assert any("Năm 2023" in t for t in _texts(at.caption))  # the latest period with data, as the sidebar chose
    assert [b.label for b in at.get("download_button")] == ["Tải báo cáo tổng hợp (.xlsx)"]
    assert [b.label for b in at.button] == ["Tạo ảnh PNG"] * 3
    assert len(at.get("plotly_chart")) == 3


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="kaleido needs /usr/bin/chromium to draw PNGs")
def test_export_png_is_made_only_when_asked(filled):
    at = page("export")
    assert "export_pngs" not in at.session_state or not at.session_state["export_pngs"]
    at.button(key="export-make-tien-do").click().run()
    assert not at.exception and not at.error
    pngs = at.session_state["export_pngs"]
    assert len(pngs) == 1 and next(iter(pngs.values())).startswith(b"\x89PNG")
    assert "Tải ảnh PNG" in [b.label for b in at.get("download_button")]
    assert [b.label for b in at.button] == ["Tạo ảnh PNG"] * 2


def test_planner_submits_several_files_at_once(store):
    at = page("upload", "tinh93")
    at.radio(key="upload_mode").set_value("file").run()
    upload(at, *[(f"{code}.xlsx", make_return(code, "2023", full_values(code))) for code in ("930", "931", "932")])
    at.button(key="confirm-all").click().run()
    assert not at.exception
    assert len([t for t in _texts(at.success) if t.startswith("Đã nhận báo cáo")]) == 3
    assert store.rows("SELECT count(*) FROM returns")[0][0] == 3
    assert not [b for b in at.button if b.key == "confirm-all"]


def test_a_word_file_is_refused_in_vietnamese(store):
    """The uploader takes any file (no English "docx files are not allowed"): the engine says why, in Vietnamese."""
    at = page("upload", "huyen933")
    upload(at, ("bao-cao.docx", b"PK\x03\x04 a word document, not a spreadsheet"))
    table = _error_table(at)[0]
    assert list(table["Loại lỗi"].map(CODE_OF)) == ["file-type"]
    assert any("Không nhận tệp này" in t for t in _texts(at.error))


def test_storing_an_upload_reads_it_within_the_same_limits_as_its_preview(store, monkeypatch):
    """The confirmed file is read again to be stored: in a bounded child too (plantrack.bounded), never
    in the server's own process without limits."""
    import plantrack.ingest as ingest

    bounded = []
    real = ingest.run_bounded

    def counting(fn, *args, **kwargs):
        bounded.append(fn.__name__)
        return real(fn, *args, **kwargs)

    monkeypatch.setattr(ingest, "run_bounded", counting)
    at = page("upload", "huyen933")
    at.selectbox(key="upload_period").set_value(_period("2023")).run()
    upload(at, ("chau-thanh-2023.xlsx", make_return("933", "2023", full_values("933"))))
    assert bounded == ["check_bytes"]  # the preview
    at.button(key=next(b.key for b in at.button if b.label == "Nộp báo cáo này")).click().run()
    assert not at.exception
    assert bounded == ["check_bytes", "check_bytes"]  # and the storing
    assert _returns(store, "933") == 1
