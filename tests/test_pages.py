"""The dashboard through Streamlit's AppTest (no browser): app.py routes to every page, the
sidebar selection round-trips through the query string, empty stores and empty periods say so,
the login box works; the pages' pure helpers (pages/common.py); and the rule that only app.py
and pages/ import streamlit.

Each test points PLANTRACK_DB at its own copy of a small store (a few template returns loaded
through the real ingest path) and clears Streamlit's caches (the Store is a cache_resource).
"""

from __future__ import annotations

import ast
import datetime as dt
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pages import common
from plantrack import views
from plantrack.accounts import ensure_demo_users
from plantrack.ingest import ingest_bytes
from plantrack.plans import load_plans
from plantrack.store import Store
from plantrack.units import load_units
from tests.helpers import full_values, load, make_return

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
DASHBOARD_PAGES = ["overview", "trajectory", "districts", "provinces", "completeness", "indicators"]
ALL_PAGES = DASHBOARD_PAGES + ["my_unit", "upload", "history", "export", "help"]


# --- stores ------------------------------------------------------------------------------

def _use(monkeypatch, path: Path) -> Path:
    monkeypatch.setenv("PLANTRACK_DB", str(path))
    st.cache_resource.clear()  # common.get_store() is cached per process
    st.cache_data.clear()
    return path


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    """Hậu Giang: Vị Thanh and Châu Thành for 2023 and 2024 (growing), Ngã Bảy's 2024 file refused."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    store = Store(path)
    for code in ("930", "933"):
        for period, scale, received in (("2023", 1, dt.datetime(2023, 11, 20)), ("2024", 2, dt.datetime(2024, 12, 20))):
            values = {c: (den * 2, num + num * scale // 2) if den else (den, num)
                      for c, (den, num) in full_values(code).items()}
            assert load(store, code, period, values, received=received).status == "accepted"
    bad = full_values("931")
    bad["CT02"] = (100, 250)  # Số đạt > Tổng số: refused
    out = ingest_bytes(store, make_return("931", "2024", bad), "931-2024.xlsx", sender="huyen931",
                       received=dt.datetime(2024, 11, 25))
    assert out.status == "rejected"
    ensure_demo_users(store)  # once here, not in every copy's first run (argon2 is slow on purpose)
    return path


@pytest.fixture
def small(small_db, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "small.duckdb"
    shutil.copy(small_db, copy)
    return _use(monkeypatch, copy)


@pytest.fixture
def empty(tmp_path, monkeypatch) -> Path:
    return _use(monkeypatch, tmp_path / "empty.duckdb")


# --- driving the app ---------------------------------------------------------------------

def app(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def texts(at: AppTest) -> str:
    """Every piece of text the page shows (markdown, headings, captions, alerts, metrics)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value} {m.delta or ''}" for m in at.metric]
    return "\n".join(parts)


def charts_on(at: AppTest) -> list:
    return list(at.get("plotly_chart"))


def no_exception(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"


# --- every page, both stores ---------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_page_renders_on_a_store_with_returns(small, name):
    at = app()
    at.switch_page(f"pages/{name}.py").run()
    no_exception(at, name)
    assert at.header, f"{name} shows no heading"


@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_page_renders_on_an_empty_store(empty, name):
    at = app()
    at.switch_page(f"pages/{name}.py").run()
    no_exception(at, name)


def test_navigation_lists_eleven_pages_in_three_groups():
    source = APP.read_text(encoding="utf-8")
    tree = ast.parse(source)
    pages = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "Page"]
    files = sorted({n.args[0].value for n in pages})  # a page may be declared twice (the home page's copy at the root)
    assert files == sorted(f"pages/{p}.py" for p in ALL_PAGES + ["not_found"])  # not_found: hidden, unknown paths
    for group in ('"Theo dõi"', '"Báo cáo"', '"Kế hoạch"'):
        assert group in source
    for name in ALL_PAGES:
        assert (REPO / "pages" / f"{name}.py").is_file()


def test_overview_shows_completeness_cards_and_chart(small):
    at = app(province="93", period="2024")
    no_exception(at, "overview")
    text = texts(at)
    assert "Tổng quan — Tỉnh Hậu Giang" in text
    assert "Năm 2024: 2/8 huyện đã báo cáo, 0 đúng hạn" in text  # both received 20/12, after the 30/11 deadline
    assert len(charts_on(at)) == 1
    assert "Gia đình" in text and "Học sinh" in text and "điểm %" in text
    assert "Thấp nhất" in text  # staff and facilities have several indicators: the lowest leads


def test_overview_completeness_counts_on_time(small):
    at = app(province="93", period="2023")
    assert "Năm 2023: 2/8 huyện đã báo cáo, 2 đúng hạn" in texts(at)


def test_query_string_round_trips_the_selection(small):
    at = app(province="93", period="2023")
    assert at.session_state[common.PROVINCE_KEY] == "93"
    assert at.session_state[common.PERIOD_KEY] == "2023"
    assert at.query_params == {"province": "93", "period": "2023"}
    assert at.selectbox(key=common.PERIOD_WIDGET).value == "2023"

    at.selectbox(key=common.PROVINCE_WIDGET).set_value("31").run()
    assert at.query_params["province"] == "31"
    assert at.session_state[common.PROVINCE_KEY] == "31"
    at.selectbox(key=common.PERIOD_WIDGET).set_value("2022H1").run()
    assert at.query_params == {"province": "31", "period": "2022H1"}

    at.switch_page("pages/districts.py").run()  # a page change keeps the selection and the link
    assert at.query_params == {"province": "31", "period": "2022H1"}


def test_without_query_string_the_latest_period_with_data_is_chosen(small):
    at = app()  # today's Cần Thơ: it has data through its predecessor Hậu Giang
    assert at.query_params == {"province": "92", "period": "2024"}


@pytest.mark.parametrize("query", [{"province": "99", "period": "2024"}, {"province": "93", "period": "2031"},
                                   {"province": "<script>", "period": "năm"}])
def test_invalid_query_values_fall_back_to_defaults(small, query):
    at = app(**query)
    no_exception(at, str(query))
    ref = at.session_state[common.PROVINCE_KEY]
    assert ref in common.all_provinces()
    assert at.session_state[common.PERIOD_KEY] in common.period_options(common.all_provinces()[ref])


def test_period_without_data_offers_the_nearest_and_the_button_chooses_it(small):
    at = app(province="93", period="2021")
    text = texts(at)
    assert "chưa có số liệu cho kỳ Năm 2021" in text
    assert not charts_on(at)
    button = next(b for b in at.button if b.label == "Xem Năm 2023")
    button.click().run()
    assert at.session_state[common.PERIOD_KEY] == "2023"
    assert at.query_params["period"] == "2023"
    assert at.selectbox(key=common.PERIOD_WIDGET).value == "2023"
    assert "huyện đã báo cáo" in texts(at)
    assert len(charts_on(at)) == 1


def test_empty_store_says_so_plainly(empty):
    at = app()
    no_exception(at, "overview")
    assert "Thành phố Cần Thơ chưa có báo cáo nào của các huyện, xã, phường" in texts(at)
    assert not charts_on(at)
    at.switch_page("pages/completeness.py").run()
    assert "chưa nhận báo cáo nào" in texts(at)
    at.switch_page("pages/indicators.py").run()  # the plans are there whatever the store holds
    assert "Kế hoạch 1960/KH-UBND" in "\n".join(str(t.value) for t in at.table) + texts(at)


@pytest.mark.parametrize("name,charts", [("trajectory", 1), ("districts", 2), ("provinces", 1), ("completeness", 1)])
def test_dashboard_pages_draw_their_charts(small, name, charts):
    at = app(province="93", period="2024")
    at.switch_page(f"pages/{name}.py").run()
    no_exception(at, name)
    assert len(charts_on(at)) == charts


def test_trajectory_page_says_when_the_target_is_reached(small):
    at = app(province="93", period="2024")
    at.switch_page("pages/trajectory.py").run()
    text = texts(at)
    assert "Kỳ gần nhất có số liệu (Năm 2024)" in text
    assert "đạt 100 % vào khoảng năm" in text or "đã đạt" in text or "không đạt" in text


def test_indicator_choice_is_shared_between_pages(small):
    at = app(province="93", period="2024")
    at.switch_page("pages/trajectory.py").run()
    at.selectbox(key="trajectory_indicator").set_value("CT05").run()
    assert "CT05" in at.get("plotly_chart")[0].proto.spec
    at.switch_page("pages/provinces.py").run()
    assert at.selectbox(key="provinces_indicator").value == "CT05"


def test_districts_page_shows_a_districts_files(small):
    at = app(province="93", period="2024")
    at.switch_page("pages/districts.py").run()
    at.selectbox(key="districts_district").set_value("933").run()
    no_exception(at, "districts")
    table = at.dataframe[-1].value  # the last table (the heatmap's list for a phone comes first)
    assert set(table["Kỳ báo cáo"]) == {"Năm 2023", "Năm 2024"}
    assert "Các tệp Huyện Châu Thành đã gửi" in texts(at)


def test_completeness_page_lists_whom_to_chase(small):
    at = app(province="93", period="2024")
    at.switch_page("pages/completeness.py").run()
    chase = at.dataframe[0].value
    assert len(chase) == 8  # five never sent, Ngã Bảy refused, Vị Thanh and Châu Thành late (received 20/12)
    states = dict(zip(chase["Đơn vị"], chase["Tình trạng"]))
    assert states["Thành phố Ngã Bảy"] == "Bị từ chối"
    assert states["Thành phố Vị Thanh"] == "Nộp trễ hạn"
    assert list(states.values()).count("Chưa nộp") == 5


def test_provinces_page_hides_provinces_without_data_until_asked(small):
    at = app(province="93", period="2024")
    at.switch_page("pages/provinces.py").run()
    assert "1/63 tỉnh trước 1/7/2025 có số liệu" in texts(at)  # former Hậu Giang among the former 63
    short = at.get("plotly_chart")[0].proto.spec
    at.toggle(key="provinces_everyone").set_value(True).run()
    assert len(at.get("plotly_chart")[0].proto.spec) > len(short)


def test_sidebar_shows_the_plan_document_and_source(small):
    at = app(province="31 (cũ)", period="2024")  # former Hải Phòng: its own plan
    sidebar = "\n".join(str(e.value) for e in at.sidebar.markdown) + "\n".join(str(e.value) for e in at.sidebar.caption)
    assert "Kế hoạch 76/KH-UBND" in sidebar
    assert "indicators/haiphong-76.toml" in sidebar
    assert "Sở LĐ-TB&XH" in sidebar and "Sở Y tế" not in sidebar


def test_login_box_logs_in_and_out(small):
    at = app()
    at.text_input(key="login_username").input("huyen933")
    at.text_input(key="login_password").input("huyen933-demo")
    next(b for b in at.button if b.label == "Đăng nhập").click().run()
    assert at.session_state[common.USER_KEY]["district_code"] == "933"
    assert "Đã đăng nhập: **huyen933**" in [str(m.value) for m in at.sidebar.markdown]
    assert "Cán bộ cấp huyện — Huyện Châu Thành" in texts(at)
    next(b for b in at.button if b.label == "Đăng xuất").click().run()
    assert at.session_state[common.USER_KEY] is None


def test_login_box_refuses_a_wrong_password(small):
    at = app()
    at.text_input(key="login_username").input("huyen933")
    at.text_input(key="login_password").input("sai-mat-khau")
    next(b for b in at.button if b.label == "Đăng nhập").click().run()
    assert not at.session_state[common.USER_KEY]
    assert "Sai tên đăng nhập hoặc mật khẩu." in texts(at)


# --- pure helpers (pages/common.py) ------------------------------------------------------------

def _ind(code, group, value, status="needs_acceleration", previous=None, **extra):
    return {"code": code, "group": group, "name": f"{code} name", "short_name": f"{code} short", "kind": "ratio",
            "value": value, "status": status, "previous_value": previous, "target": 100, **extra}


def test_group_cards_lead_with_the_lowest_indicator_of_a_group():
    report = {"indicators": [
        _ind("CT01", "families", 80.0, previous=75.5),
        _ind("CT03", "staff", 90.0, "on_track"),
        _ind("CT06", "staff", 70.0, "limited_progress", previous=71.0),
        _ind("CT08", "districts", 50.0, previous=50.02, kind="yesno", numerator=4, denominator=8),
        _ind("CT07", "children", None, "no_data"),
    ]}
    cards = {c["group"]: c for c in views.group_cards(report)}
    assert list(cards) == ["families", "staff", "children", "districts"]  # the plan's group order
    assert cards["families"]["value_text"] == "80,0 %"
    assert cards["families"]["delta_text"] == "+4,5 điểm %"
    assert cards["staff"]["code"] == "CT06" and cards["staff"]["status"] == "limited_progress"
    assert cards["staff"]["headline"].startswith("Thấp nhất: CT06")
    assert cards["staff"]["delta_text"].startswith("-1,0 điểm %")
    assert len(cards["staff"]["lines"]) == 2
    assert cards["children"]["status"] == "no_data" and cards["children"]["delta_text"] is None
    assert cards["districts"]["gap_text"].startswith("4/8 huyện báo cáo đã có dịch vụ")
    assert cards["districts"]["delta_text"] == "Không đổi" and cards["districts"]["delta_flat"]


@pytest.mark.parametrize("period,available,expected", [
    ("2021", ["2023", "2024"], "2023"),
    ("2024H1", ["2023", "2024"], "2024"),  # equally far: the later one
    ("2026", ["2020H1", "2022"], "2022"),
    (None, ["2020", "2022H1"], "2022H1"),
    ("2021", [], None),
])
def test_nearest_period(period, available, expected):
    assert views.nearest_period(period, available) == expected


def _traj(values, projection=None, baseline=50.0, baseline_year=2020.0):
    points = [{"period": p, "period_label": lbl, "t": t, "value": v}
              for (p, lbl, t), v in zip([("2020", "Năm 2020", 2020.0), ("2021", "Năm 2021", 2021.0),
                                         ("2022", "Năm 2022", 2022.0)], values)]
    return {"target": 100.0, "target_year": 2025, "points": points, "projection_year": projection,
            "baseline": baseline, "baseline_year": baseline_year}


def test_trajectory_sentence_cases():
    assert "Chưa có số liệu" in views.trajectory_sentence(_traj([None, None, None]))
    assert "đã đạt" in views.trajectory_sentence(_traj([50.0, 80.0, 100.0]))
    late = views.trajectory_sentence(_traj([50.0, 60.0, 70.0], projection=2026.6))
    assert "vào khoảng năm 2027" in late and "chậm 2 năm" in late  # 2026.6 first shows in the 2027 report
    assert "kịp mục tiêu năm 2025" in views.trajectory_sentence(_traj([50.0, 70.0, 90.0], projection=2023.1))
    assert "Chưa đủ số liệu để dự báo" in views.trajectory_sentence(_traj([50.0, None, None]))
    assert "sẽ không đạt" in views.trajectory_sentence(_traj([50.0, 48.0, 45.0]))


def test_state_counts_count_each_state_of_the_period():
    matrix = [{"district_code": c, "district": f"Huyện {c}", "period": p, "state": s} for c, p, s in [
        ("930", "2024", "late"), ("931", "2024", "on_time"), ("932", "2024", "refused"),
        ("933", "2024", "missing"), ("933", "2023", "missing")]]
    assert views.state_counts(matrix, "2024") == {"on_time": 1, "late": 1, "missing": 1, "refused": 1}
    assert [r["district"] for r in views.search_chase(matrix, "huyen 93")] == [r["district"] for r in matrix]
    assert [r["district"] for r in views.search_chase(matrix, "HUYỆN 932")] == ["Huyện 932"]
    assert views.search_chase(matrix, "Vị Thanh") == []


def test_parse_selection_accepts_codes_and_labels_and_refuses_the_rest():
    units, plans = load_units(), load_plans()
    hai_phong = units.provinces_2025["31"]  # today's first (units.md)
    assert common.parse_selection({"province": "31", "period": "2023H1"}, units, plans) == (hai_phong, "2023H1")
    assert common.parse_selection({"province": "31", "period": "6 tháng đầu năm 2023"}, units, plans) == (hai_phong, "2023H1")
    assert common.parse_selection({"province": "31 (cũ)", "period": "2023"}, units, plans) == (units.provinces["31"], "2023")
    assert common.parse_selection({"province": "Hậu Giang", "period": "2025"}, units, plans) == (units.provinces["93"], None)
    assert common.parse_selection({"province": "Cần Thơ", "period": "2025"}, units, plans) == (units.provinces_2025["92"], "2025")
    assert common.parse_selection({"province": "99", "period": "2019"}, units, plans) == (None, None)
    assert common.parse_selection({}, units, plans) == (None, None)


def test_status_and_completeness_sentences():
    report = {"completeness": {"expected": 8, "received": 7, "on_time": 5},
              "indicators": [_ind("CT01", "families", 100.0, "achieved"), _ind("CT02", "students", 80.0),
                             _ind("CT03", "staff", 60.0), _ind("CT07", "children", None, "no_data")]}
    assert views.completeness_sentence(report) == "7/8 huyện đã báo cáo, 5 đúng hạn"
    assert views.status_sentence(report) == "4 chỉ tiêu: 1 đã đạt 100 %, 2 cần đẩy nhanh, 1 chưa có số liệu"


def test_plan_tables_cover_every_indicator_and_every_plan_file():
    plans, units = load_plans(), load_units()
    rows = views.indicator_rows(plans.for_province("31"))
    assert [r["Mã"] for r in rows] == [f"CT0{n}" for n in range(1, 10)]  # Hải Phòng adds CT09
    files = views.plan_file_rows(plans, units)
    assert {r["Tệp"] for r in files} == {f"indicators/{p.name}" for p in (REPO / "indicators").glob("*.toml")}


# --- house rules -------------------------------------------------------------------------------

def _python_files():
    skip = {".venv", ".git", "node_modules", "build", "dist", ".pytest_cache", ".hypothesis"}
    for path in sorted(REPO.rglob("*.py")):
        rel = path.relative_to(REPO)
        if not skip.intersection(rel.parts):
            yield rel, path


def _imports_streamlit(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "streamlit" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            return True
    return False


def test_only_app_and_pages_import_streamlit():
    # tests/ drive the pages (streamlit.testing) and are exempt; everything else is engine, scripts
    # or benchmarks, which must run without streamlit.
    # serve.py is the server itself (st.App with the login-cookie routes), not engine code.
    offenders = [str(rel) for rel, path in _python_files()
                 if rel.parts[0] not in ("pages", "tests") and rel not in (Path("app.py"), Path("serve.py"))
                 and _imports_streamlit(path)]
    assert offenders == []
    assert _imports_streamlit(APP)  # the scan does see imports


def test_pages_hold_no_sql():
    for path in sorted((REPO / "pages").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for keyword in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", ".execute("):
            assert keyword not in text, f"{path.name} contains {keyword!r}"


def test_a_load_made_outside_the_app_shows_at_the_next_page_run(small):
    """The figures are cached; a return loaded by another process (``plantrack ingest``) changes the
    store's files, and the next page run drops the cache and shows it."""
    at = app(province="93", period="2024")
    assert "Năm 2024: 2/8 huyện đã báo cáo" in texts(at)
    values = full_values("932")
    # what the command line does, in its own process: the app's clear_caches is never called
    import subprocess
    import sys
    data = make_return("932", "2024", values)
    (small.parent / "932.xlsx").write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "plantrack", "ingest", str(small.parent / "932.xlsx"),
                           "--db", str(small), "--received", "2024-11-20"], capture_output=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    at.run()
    assert "Năm 2024: 3/8 huyện đã báo cáo" in texts(at)
