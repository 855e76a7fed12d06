"""The officer's own unit (duties, next form, figures) and the planner's chase list."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from helpers import full_values, load, new_store
from plantrack.accounts import create_user
from plantrack.chase import chase_list, chase_rows, chase_workbook
from plantrack.officer import next_due, unit_duties, unit_figures
from plantrack.units import load_units

UNITS = load_units()


def test_an_officers_duties_say_what_was_received_refused_and_missing(tmp_path):
    store = new_store(tmp_path)
    load(store, "933", "2023", received=dt.datetime(2023, 11, 20))  # on time
    load(store, "933", "2024H1", received=dt.datetime(2024, 6, 1))  # late (due 15/5)
    bad = full_values("933")
    bad["CT01"] = (100, 150)
    load(store, "933", "2024", bad, received=dt.datetime(2024, 11, 1))  # refused
    duties = {d.period.code: d for d in unit_duties(store, UNITS.districts["933"], today=dt.date(2025, 1, 10))}
    assert set(duties) == {f"{y}{h}" for y in range(2020, 2026) for h in ("H1", "")} - {"2025"}  # 2025 is communes'
    assert duties["2023"].state == "on_time" and duties["2023"].versions[0]["version"] == 1
    assert duties["2024H1"].state == "late"
    assert duties["2024"].state == "refused"
    assert duties["2024"].refused[0]["issues"][0]["code"] == "numerator-exceeds-denominator"
    assert duties["2025H1"].state == "due" and duties["2025H1"].days_text == "còn 125 ngày"
    assert duties["2022"].state == "missing" and duties["2022"].days < 0
    assert next_due(list(duties.values())).period.code == "2020H1"  # the oldest one still owed


def test_a_commune_officer_reports_the_new_maps_periods(tmp_path):
    store = new_store(tmp_path)
    load(store, "31321", "2025", received=dt.datetime(2025, 11, 20))
    duties = unit_duties(store, UNITS.communes["31321"], today=dt.date(2026, 11, 29))
    assert [d.period.code for d in duties] == ["2025"] and duties[0].state == "on_time"
    assert next_due(duties) is None
    figures = {f["code"]: f for f in unit_figures(store, UNITS.communes["31321"])}
    assert figures["CT01"]["value"] == 50.0 and figures["CT01"]["period"] == "2025"


def test_the_chase_list_puts_who_never_reported_first_with_what_they_sent_and_their_accounts(tmp_path):
    store = new_store(tmp_path)
    load(store, "930", "2023", received=dt.datetime(2023, 11, 20))  # on time: not chased
    load(store, "931", "2023", received=dt.datetime(2023, 12, 5))  # late
    bad = full_values("932")
    bad["CT02"] = (10, 20)
    load(store, "932", "2023", bad, received=dt.datetime(2023, 11, 25))  # refused
    create_user(store, "huyen933", "mat-khau-dai-du", "district", "93", "933")
    rows = chase_list(store, "Hậu Giang", "2023", today=dt.date(2023, 12, 10))
    states = [r["state"] for r in rows]
    assert states == ["missing"] * 5 + ["refused", "late"]
    chau_thanh = next(r for r in rows if r["unit_code"] == "933")
    assert chau_thanh["accounts"] == ["huyen933"] and chau_thanh["days_overdue"] == 10
    refused = next(r for r in rows if r["state"] == "refused")
    assert refused["first_error"]["code"] == "numerator-exceeds-denominator" and refused["last_outcome"] == "rejected"
    table = chase_rows(rows)
    assert table[0]["Lần gửi gần nhất"] == "chưa gửi" and table[-1]["Tình trạng"] == "Nộp trễ hạn"


def test_the_chase_workbook_is_vietnamese_and_holds_values_only(tmp_path):
    store = new_store(tmp_path)
    rows = chase_list(store, "93", "2023", today=dt.date(2024, 1, 1))
    rows[0]["first_error"] = {"code": "unit-unknown", "message": "=HYPERLINK(\"http://x\",\"y\")"}
    wb = load_workbook(io.BytesIO(chase_workbook(rows, "Cần đôn đốc — Năm 2023")))
    ws = wb.active
    assert [c.value for c in ws[3]][:3] == ["Đơn vị", "Thuộc", "Tình trạng"]
    assert ws.max_row == 3 + 8
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_the_officers_view_reads_duties_versions_refusals_and_figures(tmp_path):
    from plantrack.views import my_unit_view

    store = new_store(tmp_path)
    load(store, "933", "2023", received=dt.datetime(2023, 12, 20))  # late (due 30/11)
    bad = full_values("933")
    bad["CT01"] = (100, 150)
    load(store, "933", "2024", bad, received=dt.datetime(2024, 11, 1))  # refused
    unit = UNITS.districts["933"]
    duties = unit_duties(store, unit, today=dt.date(2025, 1, 10))
    view = my_unit_view(duties, unit_figures(store, unit), next_due(duties))
    rows = {r["Kỳ báo cáo"]: r for r in view["duties"]}
    assert rows["Năm 2023"]["Tình trạng"] == "Đã nộp, trễ hạn" and rows["Năm 2023"]["Đã nhận"] == "phiên bản 1"
    assert rows["Năm 2022"]["Còn / quá hạn"].startswith("quá hạn") and rows["Năm 2022"]["Hạn nộp"] == "30/11/2022"
    assert view["received"] == [{"Kỳ báo cáo": "Năm 2023", "Phiên bản": 1, "Ngày nhận": "20/12/2023 00:00",
                                 "Đúng hạn?": "Trễ hạn"}]
    assert [r["period"] for r in view["refused"]] == ["2024"]
    assert view["refused"][0]["issues"][0]["cell"]  # the error points at its cell
    figures = {r["Chỉ tiêu"].split(" — ")[0]: r for r in view["figures"]}
    assert figures["CT01"]["Kết quả"] == "50,0 %" and figures["CT01"]["Kỳ gần nhất"] == "Năm 2023"
    assert figures["CT01"]["Chỉ tiêu phải đạt"].startswith("100,0 %")
    assert "6 tháng đầu năm 2020" in view["next"]
