"""Issue #10's pages through AppTest: an officer's own unit ("Đơn vị của tôi"), the planner's
chase list with its Excel file, the district page opening on the officer's unit, and the
history's period filter for an officer."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from openpyxl import load_workbook
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from plantrack.accounts import create_user
from plantrack.ingest import ingest_bytes
from plantrack.issues import name_vi
from plantrack.store import Store
from tests.helpers import full_values, load, make_return

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
OFFICER = {"username": "huyen933", "role": "district", "province_code": "93", "district_code": "933",
           "map": "pre2025"}
COMMUNE_OFFICER = {"username": "xa31321", "role": "district", "province_code": "92", "district_code": "31321",
                   "map": "2025"}
PLANNER = {"username": "tinh93", "role": "province", "province_code": "93", "district_code": None, "map": "pre2025"}


@pytest.fixture(scope="module")
def unit_db(tmp_path_factory) -> Path:
    """Châu Thành (933): 2023 on time, 2024 refused (CT02 Số đạt > Tổng số), 2022 never sent;
    Vị Thanh (930) 2023 on time; Phường Vị Thanh (31321) 2025 on time."""
    path = tmp_path_factory.mktemp("unit") / "unit.duckdb"
    store = Store(path)
    assert load(store, "933", "2023", received=dt.datetime(2023, 11, 20)).status == "accepted"
    assert load(store, "930", "2023", received=dt.datetime(2023, 11, 20)).status == "accepted"
    bad = full_values("933")
    bad["CT02"] = (100, 250)
    out = ingest_bytes(store, make_return("933", "2024", bad), "933-2024.xlsx", sender="huyen933",
                       received=dt.datetime(2024, 11, 25))
    assert out.status == "rejected"
    assert load(store, "31321", "2025", received=dt.datetime(2025, 11, 20)).status == "accepted"
    assert load(store, "941", "2023", received=dt.datetime(2023, 11, 20)).status == "accepted"  # Sóc Trăng
    create_user(store, "huyen932", "mat-khau-dai-du", "district", "93", "932")
    return path


@pytest.fixture
def unit_store(unit_db, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "unit.duckdb"
    shutil.copy(unit_db, copy)
    monkeypatch.setenv("PLANTRACK_DB", str(copy))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield copy
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """label -> (data, file_name) of every download button drawn (AppTest keeps only a URL)."""
    seen: dict = {}
    original = DeltaGenerator.download_button

    def record(self, label, data=None, file_name=None, *args, **kwargs):
        seen[label] = (data, file_name)
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: record(st._main, *a, **k))  # bound at import
    return seen


def run(user: dict | None = None, page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    if user:
        at.session_state["user"] = user
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


# --- Đơn vị của tôi --------------------------------------------------------------------------

def test_an_officer_lands_on_their_unit_with_received_refused_and_missing_periods(unit_store, downloads):
    at = run(OFFICER)  # no page asked: an officer's first page is their unit
    assert [h.value for h in at.header] == ["Đơn vị của tôi"]
    assert "Huyện Châu Thành" in texts(at)
    duties = next(f for f in frames(at) if "Hạn nộp" in f.columns)
    state = dict(zip(duties["Kỳ báo cáo"], duties["Tình trạng"]))
    assert state["Năm 2023"] == "Đã nộp đúng hạn"
    assert state["Năm 2024"] == "Bị từ chối, cần nộp lại"
    assert state["Năm 2022"] == "Chưa nộp, đã quá hạn"
    assert "quá hạn" in dict(zip(duties["Kỳ báo cáo"], duties["Còn / quá hạn"]))["Năm 2022"]
    received = next(f for f in frames(at) if "Phiên bản" in f.columns)
    assert list(received["Kỳ báo cáo"]) == ["Năm 2023"] and list(received["Đúng hạn?"]) == ["Đúng hạn"]
    errors = next(f for f in frames(at) if "Lỗi và cách sửa" in f.columns)
    assert name_vi("numerator-exceeds-denominator") in set(errors["Loại lỗi"])
    assert all(errors["Ô"])  # each error names its cell
    marked, name = downloads["Tải tệp đã đánh dấu lỗi"]
    assert name == "933-2024-danh-dau-loi.xlsx" and load_workbook(io.BytesIO(marked))
    form, form_name = downloads["Tải mẫu báo cáo kỳ tiếp theo (.xlsx)"]
    assert form_name == "mau-bao-cao-933-2020H1.xlsx"  # the oldest period still owed
    assert load_workbook(io.BytesIO(form))
    figures = next(f for f in frames(at) if "Chỉ tiêu phải đạt" in f.columns)
    assert "50,0 %" in set(figures["Kết quả"])  # one decimal
    assert any(link.label == "Nộp báo cáo" for link in at.get("page_link"))


def test_a_commune_officer_sees_the_new_maps_period(unit_store):
    at = run(COMMUNE_OFFICER)
    assert "Phường Vị Thanh" in texts(at)
    duties = next(f for f in frames(at) if "Hạn nộp" in f.columns)
    assert list(duties["Kỳ báo cáo"]) == ["Năm 2025"] and list(duties["Tình trạng"]) == ["Đã nộp đúng hạn"]


@pytest.mark.parametrize("user", [None, PLANNER])
def test_a_visitor_or_planner_is_told_the_page_is_for_officers(unit_store, user):
    at = run(user, page="my_unit")
    assert "đăng nhập" in " ".join(str(i.value) for i in at.info)
    assert not at.dataframe


def test_logging_in_takes_an_officer_to_their_unit(unit_store):
    create_user(Store(unit_store), "huyen933", "mat-khau-dai-du", "district", "93", "933")
    at = run()
    assert [h.value for h in at.header] != ["Đơn vị của tôi"]
    at.text_input(key="login_username").input("huyen933")
    at.text_input(key="login_password").input("mat-khau-dai-du")
    next(b for b in at.button if b.label == "Đăng nhập").click().run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Đơn vị của tôi"]


# --- Tình hình nộp báo cáo: the chase list and the matrix ---------------------------------------

CHASE_COLUMNS = ["Đơn vị", "Thuộc", "Tình trạng", "Hạn nộp", "Số ngày quá hạn", "Lần gửi gần nhất",
                 "Kết quả lần gửi đó", "Lỗi đầu tiên", "Tài khoản"]


def test_the_chase_table_says_when_what_and_whom_and_downloads_as_vietnamese_excel(unit_store, downloads):
    at = run(page="completeness", province="93", period="2024")
    table = next(f for f in frames(at) if "Lỗi đầu tiên" in f.columns)
    assert list(table.columns) == CHASE_COLUMNS
    assert len(table) == 8 and list(table["Tình trạng"])[-1] == "Bị từ chối"  # never sent first
    chau_thanh = table[table["Đơn vị"] == "Huyện Châu Thành"].iloc[0]
    assert chau_thanh["Hạn nộp"] == "30/11/2024" and chau_thanh["Kết quả lần gửi đó"] == "Bị từ chối"
    assert "Số đạt" in chau_thanh["Lỗi đầu tiên"] and chau_thanh["Lần gửi gần nhất"] == "25/11/2024 00:00"
    assert table[table["Tình trạng"] == "Chưa nộp"]["Số ngày quá hạn"].min() > 0
    assert "huyen932" in set(table["Tài khoản"])
    data, name = downloads["Tải danh sách cần đôn đốc (Excel)"]
    assert name == "can-don-doc-93-cu-2024.xlsx"
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[3]] == CHASE_COLUMNS
    assert ws.max_row == 3 + 8 and "Năm 2024" in ws["A1"].value


def test_the_matrix_puts_units_that_never_reported_first_across_groups(unit_store):
    # today's Cần Thơ before the reform: three former provinces; Sóc Trăng's 941 sent 2023, so it
    # is less behind than any district that sent nothing, whichever province it was in
    at = run(page="completeness", province="92", period="2023")
    spec = json.loads(at.get("plotly_chart")[-1].proto.spec)
    labels = list(spec["data"][0]["y"])
    assert len(labels) > 20
    senders = {"Thành phố Vị Thanh · Hậu Giang", "Huyện Châu Thành · Hậu Giang", "Thành phố Sóc Trăng · Sóc Trăng"}
    assert {label.removesuffix(" (cũ)") for label in labels[-3:]} == senders, labels
    assert "thiếu nhiều báo cáo nhất" in texts(at)


# --- Huyện, xã and Lịch sử for an officer ---------------------------------------------------------

def test_the_district_page_opens_on_the_officers_own_unit(unit_store):
    at = run(OFFICER, page="districts", province="93", period="2023")
    assert at.selectbox(key="districts_district").value == "933"  # not the slowest district
    assert "Các tệp Huyện Châu Thành đã gửi" in texts(at)
    visitor = run(page="districts", province="93", period="2023")
    assert visitor.selectbox(key="districts_district").value != "933"


def test_an_officers_history_filtered_by_period_lists_only_that_periods_files(unit_store):
    at = run(OFFICER, page="history", province="93")
    at.selectbox(key="history_period").set_value(None).run()  # every period (it opens on the sidebar's)
    everything = next(f for f in frames(at) if "Số phiếu" in f.columns)
    assert set(everything["Kỳ báo cáo"]) == {"Năm 2023", "Năm 2024"}  # their refused 2024 file too
    at.selectbox(key="history_period").set_value("2023").run()
    assert not at.exception
    table = next(f for f in frames(at) if "Số phiếu" in f.columns)
    assert list(table["Kỳ báo cáo"]) == ["Năm 2023"]


def test_an_officer_logging_in_on_the_upload_page_stays_there(unit_store):
    create_user(Store(unit_store), "huyen933", "mat-khau-dai-du", "district", "93", "933")
    at = run(page="upload")
    at.text_input(key="login_username").input("huyen933")
    at.text_input(key="login_password").input("mat-khau-dai-du")
    next(b for b in at.button if b.label == "Đăng nhập").click().run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Nộp báo cáo"]
