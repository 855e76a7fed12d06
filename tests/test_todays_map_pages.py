"""The app on today's map (issue #9), through Streamlit's AppTest: the province picker (today's
34, then the former ones '(cũ)'), a merged province's predecessors and their plans, communes for
new-map periods (grouped by former district, worst first, searchable), what a district became and
what a commune came from, a commune officer's upload, and a former province's planner's history.

The store: former Hậu Giang's Vị Thanh and Châu Thành for 2023 and 2024, and three communes of
today's Cần Thơ for 2025 (one of them with two indicators left empty); every other unit silent.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pages import common
from plantrack import views
from plantrack.accounts import ensure_demo_users
from plantrack.measure import province_report
from plantrack.store import Store
from plantrack.units import load_units
from tests.helpers import full_values, load, make_return

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
PAGES = REPO / "pages"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD, PARTIAL, OTHER = "31321", "31333", "31338"  # Phường Vị Thanh, Phường Vị Tân, Xã Hỏa Lựu (all in old Vị Thanh)
USERS = {
    "tinh93": {"username": "tinh93", "role": "province", "province_code": "93", "district_code": None,
               "map": "pre2025"},
    "tinh92": {"username": "tinh92", "role": "province", "province_code": "92", "district_code": None, "map": "2025"},
    "xa31321": {"username": "xa31321", "role": "district", "province_code": "92", "district_code": "31321",
                "map": "2025"},
}


def _use(monkeypatch, path: Path) -> Path:
    monkeypatch.setenv("PLANTRACK_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    return path


@pytest.fixture(autouse=True)
def _fresh_caches():
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="module")
def reform_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reform") / "reform.duckdb"
    store = Store(path)
    for code in ("930", "933"):
        for period, received in (("2023", dt.datetime(2023, 11, 20)), ("2024", dt.datetime(2024, 11, 20))):
            assert load(store, code, period, received=received).status == "accepted"
    for code in (GOOD, PARTIAL):
        values = full_values(code)
        if code == PARTIAL:
            values["CT01"] = values["CT02"] = (None, None)  # not reported: behind, never zero
        out = load(store, code, "2025", values, received=dt.datetime(2025, 11, 20))
        assert out.status == "accepted", out.errors
    ensure_demo_users(store)
    return path


@pytest.fixture
def reform(reform_db, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "reform.duckdb"
    shutil.copy(reform_db, copy)
    return _use(monkeypatch, copy)


def app(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def page(name: str, user: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)
    if user:
        at.session_state["user"] = USERS[user]
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def heatmap_rows(at: AppTest) -> list[str]:
    """The rows of the page's heatmap (its first chart)."""
    chart = at.get("plotly_chart")[0]
    return list(json.loads(chart.proto.spec)["data"][0]["y"])


# --- the picker ----------------------------------------------------------------------------------

def test_picker_lists_todays_provinces_first_then_the_former_ones(reform):
    at = app()
    assert not at.exception
    picker = at.selectbox(key=common.PROVINCE_WIDGET)
    labels = list(picker.options)
    assert len(labels) == 34 + 63
    today, former = labels[:34], labels[34:]
    assert today[0] == "Cần Thơ"  # has data (through Hậu Giang): first, and chosen by default
    assert all("(cũ)" not in t for t in today) and all("(cũ)" in f for f in former)
    assert former[0] == "Hậu Giang (cũ)"  # the one former province with returns
    assert "Hải Phòng · chưa có báo cáo" in today and "Cần Thơ (cũ) · chưa có báo cáo" in former
    assert picker.value == "92" and at.query_params["province"] == "92"
    assert at.query_params["period"] == "2025"  # the latest with data: the communes' return

    at.selectbox(key=common.PROVINCE_WIDGET).set_value("93").run()  # former Hậu Giang: periods to mid-2025
    assert at.query_params == {"province": "93", "period": "2024"}
    assert "Năm 2025" not in " ".join(at.selectbox(key=common.PERIOD_WIDGET).options)


def test_a_shared_link_keeps_a_former_province_and_its_period(reform):
    at = app(province="92 (cũ)", period="2023")  # former Cần Thơ: code 92 is today's Cần Thơ's too
    assert at.session_state[common.PROVINCE_KEY] == "92 (cũ)"
    assert at.query_params == {"province": "92 (cũ)", "period": "2023"}
    assert "Thành phố Cần Thơ (cũ)" in texts(at)


# --- a merged province ---------------------------------------------------------------------------

def test_merged_province_names_its_predecessors_and_their_plans(reform):
    at = app(province="92", period="2024")
    sidebar = "\n".join(str(e.value) for e in [*at.sidebar.markdown, *at.sidebar.caption])
    assert "Cần Thơ (hợp nhất từ Cần Thơ, Hậu Giang, Sóc Trăng từ 1/7/2025)" in sidebar
    assert "Hậu Giang (cũ): **Kế hoạch 1960/KH-UBND**" in sidebar
    assert "Sóc Trăng (cũ): **" in sidebar and "Sở Y tế" in sidebar
    assert "Năm 2024: 2/28 huyện đã báo cáo" in texts(at)  # every predecessor's districts expected
    at.switch_page("pages/indicators.py").run()
    assert not at.exception
    members = at.table[0].value
    assert list(members["Tỉnh trước đây"]) == ["Cần Thơ (cũ)", "Hậu Giang (cũ)", "Sóc Trăng (cũ)"]
    assert "Kế hoạch 1960/KH-UBND" in list(members["Kế hoạch"])
    at.switch_page("pages/trajectory.py").run()
    text = texts(at)
    assert "Cần Thơ (cũ), Hậu Giang (cũ), Sóc Trăng (cũ)" in text
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "1/7/2025: sáp nhập tỉnh, xã báo cáo thay huyện" in [a.get("text", "").replace("<br>", " ")
                                                             for a in spec["layout"]["annotations"]]


def test_former_province_is_shown_as_before_with_its_own_plan(reform):
    at = app(province="93", period="2024")
    text = texts(at)
    assert "Tổng quan — Tỉnh Hậu Giang (cũ)" in text and "Năm 2024: 2/8 huyện đã báo cáo" in text
    sidebar = "\n".join(str(e.value) for e in [*at.sidebar.markdown, *at.sidebar.caption])
    assert "Kế hoạch 1960/KH-UBND" in sidebar and "Sở LĐ-TB&XH" in sidebar and "hợp nhất" not in sidebar


# --- communes: the heatmap -------------------------------------------------------------------------

def test_commune_heatmap_is_grouped_worst_first_and_searchable(reform):
    units = load_units()
    report = province_report(Store(reform), "92", "2025")
    view = views.heatmap_view(report, units)
    assert view["total"] == len(units.communes_of("92")) and view["pages"] > 1 and len(view["order"]) == 30
    groups = [units_group for units_group in (views.unit_group(e, units) for e in report["indicators"][0]["units"])]
    assert "Thành phố Vị Thanh" in groups
    # grouped: every group's communes are together
    seen = [view["labels"][c].split(" · ", 1)[1] for c in view["all"]]
    assert all(seen.index(g) + seen.count(g) - 1 == len(seen) - 1 - seen[::-1].index(g) for g in set(seen))
    # within the former Vị Thanh: silent communes first, then the one with two indicators empty, then the full one
    vi_thanh = [c for c in view["all"] if view["labels"][c].endswith("· Thành phố Vị Thanh")]
    assert vi_thanh.index(PARTIAL) < vi_thanh.index(GOOD) and vi_thanh[-1] == GOOD
    assert vi_thanh.index(OTHER) < vi_thanh.index(PARTIAL)
    found = views.heatmap_view(report, units, search="vi than")  # without accents
    assert {c for c in found["all"]} >= {GOOD} and all("Vị Thanh" in found["labels"][c] for c in found["all"])

    at = app(province="92", period="2025")
    at.switch_page("pages/districts.py").run()
    assert not at.exception
    assert "Xã, phường — Thành phố Cần Thơ" in texts(at)
    rows = heatmap_rows(at)
    assert len(rows) == 30  # a page, not a wall of 103
    at.text_input(key="districts_search").input("Vị Thanh").run()
    rows = heatmap_rows(at)
    assert rows and all("Vị Thanh" in r for r in rows) and len(rows) < 30
    # the unit, and its former district below it in small type (a narrow label column)
    assert "Phường Vị Thanh<br><span style='font-size:11px;color:#666666'>Thành phố Vị Thanh</span>" in rows


def test_district_page_names_the_communes_covering_a_district_and_a_communes_former_district(reform):
    at = app(province="92", period="2024")
    at.switch_page("pages/districts.py").run()
    assert "Huyện — Thành phố Cần Thơ" in texts(at)
    at.selectbox(key="districts_district").set_value("930").run()
    assert not at.exception
    info = "\n".join(str(i.value) for i in at.info)
    assert "Thành phố Vị Thanh không còn" in info and "Phường Vị Thanh" in info and "nằm trọn" in info

    at = app(province="92", period="2025")
    at.switch_page("pages/districts.py").run()
    at.selectbox(key="districts_district").set_value(GOOD).run()
    assert not at.exception
    info = "\n".join(str(i.value) for i in at.info)
    assert "Phường Vị Thanh thành lập từ 1/7/2025, trên địa bàn của Thành phố Vị Thanh (Hậu Giang cũ)" in info
    assert "Các tệp Phường Vị Thanh đã gửi" in texts(at)


def test_completeness_of_communes_is_summarised_by_former_district_and_searchable(reform):
    at = app(province="92", period="2025")
    at.switch_page("pages/completeness.py").run()
    assert not at.exception
    chase = at.dataframe[0].value
    assert list(chase.columns[:2]) == ["Đơn vị", "Thuộc"]  # a commune, and the former district(s) it lies in
    assert len(chase) == len(load_units().communes_of("92")) - 2
    specs = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]
    assert any("theo huyện cũ" in s.replace("<br>", " ") for s in specs)  # titles are wrapped for a phone
    at.text_input(key="completeness_search").input("hoa luu").run()
    chase = at.dataframe[0].value
    assert list(chase["Đơn vị"]) == ["Xã Hỏa Lựu"]


# --- uploads and accounts ------------------------------------------------------------------------

def _confirm(at: AppTest) -> AppTest:
    at.button(key=next(b.key for b in at.button if b.label == "Nộp báo cáo này")).click().run()
    return at


def test_commune_officer_uploads_the_communes_return_and_not_another_communes(reform):
    store = Store(reform)
    at = page("upload", "xa31321")
    assert not at.exception
    assert list(at.selectbox(key="upload_district").options) == ["Phường Vị Thanh"]
    assert list(at.selectbox(key="upload_period").options) == ["Năm 2025"]  # communes report from 1/7/2025
    assert "Tải mẫu báo cáo (.xlsx)" in [b.label for b in at.get("download_button")]
    assert any("Sở Y tế" in c for c in (str(x.value) for x in at.caption))

    values = {c: (den * 2, num) if den else (den, num) for c, (den, num) in full_values(GOOD).items()}
    at.file_uploader(key="upload_files").set_value([("vi-thanh-2025.xlsx", make_return(GOOD, "2025", values), XLSX)])
    at.run()
    _confirm(at)
    assert any("Đã nhận báo cáo Phường Vị Thanh (Thành phố Cần Thơ)" in str(s.value) for s in at.success)
    assert store.rows("SELECT count(*) FROM returns WHERE district_code = ? AND map = '2025'", [GOOD]) == [(2,)]

    at = page("upload", "xa31321")
    at.file_uploader(key="upload_files").set_value([("vi-tan.xlsx", make_return(OTHER, "2025", full_values(OTHER)),
                                                     XLSX)])
    at.run()
    assert any("chỉ nộp được báo cáo của đơn vị mình" in str(e.value) for e in at.error)
    assert not [b for b in at.button if b.label == "Nộp báo cáo này"]
    assert store.rows("SELECT count(*) FROM returns WHERE district_code = ?", [OTHER]) == [(0,)]


def test_planner_of_todays_province_uploads_for_communes_and_predecessors_districts(reform):
    at = page("upload", "tinh92", period="2025")
    communes = list(at.selectbox(key="upload_district").options)
    assert len(communes) == len(load_units().communes_of("92")) and "Phường Vị Thanh" in communes
    at.selectbox(key="upload_period").set_value(_period("2024")).run()
    districts = list(at.selectbox(key="upload_district").options)
    assert len(districts) == 28 and "Huyện Châu Thành (Hậu Giang cũ)" in districts \
        and "Huyện Châu Thành (Sóc Trăng cũ)" in districts


def _period(code: str):
    from plantrack.plans import load_plans

    return load_plans().for_unit(load_units().provinces_2025["92"]).period(code)


def test_planner_of_former_hau_giang_still_sees_her_history(reform):
    at = page("history", "tinh93", province="93", history_period=None)  # every period (it opens on the sidebar's)
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Huyện"]) == {"Thành phố Vị Thanh", "Huyện Châu Thành"}  # her districts, as before
    assert set(table["Kỳ báo cáo"]) == {"Năm 2023", "Năm 2024"}
    assert [b.label for b in at.get("download_button")] == ["Tải tệp gốc"]
    assert "Người gửi" in table.columns

    at = page("history", "tinh93", province="92", history_period=None)  # today's Cần Thơ: her files and the communes'
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Huyện, xã"]) == {"Thành phố Vị Thanh", "Huyện Châu Thành", "Phường Vị Thanh", "Phường Vị Tân"}
