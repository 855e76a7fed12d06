"""Issue #10's small points ("two users' day"), through AppTest: an officer whose login comes back
from the cookie in a fresh tab lands on their unit; the history and the district pages follow the
sidebar's period (and set it); the district detail opens on a sensible unit; and on a period the
communes report, nothing on screen or in the export calls the reporting unit "huyện".

The browser shows the rest (typed addresses, the uploader's drag hint): tests/e2e/test_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from pages import common
from plantrack import sessions, views
from plantrack.export import build_report
from plantrack.plans import load_plans
from plantrack.store import Store
from plantrack.units import load_units
from tests.test_my_unit_pages import APP, COMMUNE_OFFICER, OFFICER, PLANNER, frames, run, texts, unit_db, unit_store  # noqa: F401
from tests.test_pages import ALL_PAGES
from tests.test_todays_map_pages import USERS, reform, reform_db  # noqa: F401


# --- a fresh tab restored from the login cookie --------------------------------------------------

def _fresh_tab_with_cookie(monkeypatch, store_path, username: str) -> AppTest:
    """A new tab: nothing in its session, only the browser's login cookie (what st.context.cookies gives)."""
    cookie = sessions.start_session(Store(store_path), username)
    monkeypatch.setattr(common, "_browser_cookie", lambda: cookie)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_officer_restored_from_the_cookie_lands_on_their_unit(unit_store, monkeypatch):
    from plantrack.accounts import create_user
    create_user(Store(unit_store), "huyen933", "mat-khau-dai-du", "district", "93", "933")
    at = _fresh_tab_with_cookie(monkeypatch, unit_store, "huyen933")
    assert at.session_state[common.USER_KEY]["username"] == "huyen933"
    assert [h.value for h in at.header] == ["Đơn vị của tôi"]
    assert "Huyện Châu Thành" in texts(at)


def test_a_planner_restored_from_the_cookie_lands_on_the_overview(unit_store, monkeypatch):
    from plantrack.accounts import create_user
    create_user(Store(unit_store), "tinh93", "mat-khau-dai-du", "province", "93")
    at = _fresh_tab_with_cookie(monkeypatch, unit_store, "tinh93")
    assert at.session_state[common.USER_KEY]["username"] == "tinh93"
    assert at.header[0].value.startswith("Tổng quan")


# --- every page honours the sidebar's period ----------------------------------------------------

def _history_periods(at: AppTest) -> set[str]:
    return set(next(f for f in frames(at) if "Số phiếu" in f.columns)["Kỳ báo cáo"])


def test_the_history_opens_on_the_sidebars_period_and_sets_it(unit_store):
    at = run(OFFICER, page="history", province="93", period="2023")  # a shared link
    assert at.selectbox(key="history_period").value == "2023"
    assert _history_periods(at) == {"Năm 2023"}  # not their refused 2024 file
    at.selectbox(key="history_period").set_value("2024").run()
    assert not at.exception
    assert _history_periods(at) == {"Năm 2024"}
    assert at.session_state[common.PERIOD_KEY] == "2024"  # the sidebar (and the link) follow
    assert at.query_params[common.PERIOD_KEY] == "2024" and at.query_params[common.PROVINCE_KEY] == "93"
    at.selectbox(key="history_period").set_value(None).run()  # every period: the page's own view
    assert _history_periods(at) == {"Năm 2023", "Năm 2024"} and at.session_state[common.PERIOD_KEY] == "2024"


def test_the_history_follows_a_period_chosen_in_the_sidebar(unit_store):
    at = run(OFFICER, page="history", province="93", period="2024")
    assert _history_periods(at) == {"Năm 2024"}
    at.selectbox(key=common.PERIOD_WIDGET).set_value("2023").run()
    assert not at.exception
    assert at.selectbox(key="history_period").value == "2023" and _history_periods(at) == {"Năm 2023"}


def test_the_district_page_follows_and_sets_the_sidebars_period(unit_store):
    at = run(PLANNER, page="districts", province="93", period="2023")
    assert at.selectbox(key="districts_period").value == "2023"
    assert "Năm 2023" in texts(at)
    at.selectbox(key="districts_period").set_value("2024").run()
    assert not at.exception
    assert at.session_state[common.PERIOD_KEY] == "2024" and at.query_params[common.PERIOD_KEY] == "2024"
    assert at.selectbox(key=common.PERIOD_WIDGET).value == "2024"
    assert "Năm 2023" not in [h.value for h in at.markdown if h.value.startswith("####")]
    at.selectbox(key=common.PERIOD_WIDGET).set_value("2023").run()  # and the other way round
    assert at.selectbox(key="districts_period").value == "2023"


# --- the district detail opens on a sensible unit -------------------------------------------------

def test_the_detail_opens_on_the_officers_unit_or_what_it_was_or_became():
    units = load_units()
    vi_thanh_commune, chau_thanh = units.communes["31321"], units.districts["933"]
    former = units.former_districts("31321")[0].code
    assert views.detail_unit_index(["932", "931", former], vi_thanh_commune, units) == 2  # its former district
    covering = [c.code for c, _ in units.communes_covering("933")]
    choices = ["31321", covering[-1], covering[0]]
    assert views.detail_unit_index(choices, chau_thanh, units) == 1  # the slowest commune on its ground
    assert views.detail_unit_index(["930", "933"], chau_thanh, units) == 1
    assert views.detail_unit_index(["930", "933"], None, units) == 0  # a planner: the slowest unit


def test_a_commune_officer_on_a_district_period_opens_on_their_former_district(unit_store):
    former = load_units().former_districts("31321")[0]
    at = run(COMMUNE_OFFICER, page="districts", province="92", period="2023")
    assert at.selectbox(key="districts_district").value == former.code
    planner = run(PLANNER, page="districts", province="93", period="2023")
    detail = planner.selectbox(key="districts_district")
    assert detail.index == 0  # the slowest first, as the label says


# --- "huyện" on a commune period --------------------------------------------------------------

def _strings(msg: Message, out: list[str]) -> None:
    for field, value in msg.ListFields():
        values = value if isinstance(value, (list, tuple)) or (
            hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Message))) else [value]
        for v in values:
            if isinstance(v, Message):
                _strings(v, out)
            elif isinstance(v, str):
                out += _json_strings(v) if field.name == "spec" else [v]


def _json_strings(text: str) -> list[str]:
    out: list[str] = []

    def walk(o):
        if isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
        elif isinstance(o, str):
            out.append(o)
    walk(json.loads(text))
    return out


def shown_strings(at: AppTest) -> list[str]:
    """Every text the page puts on screen: elements' bodies, labels, options, help, chart specs
    (titles, axes, hover), tables' headers and cells."""
    out: list[str] = []

    def walk(node):
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)
        if isinstance(getattr(node, "proto", None), Message):
            _strings(node.proto, out)
    walk(at._tree)
    for frame in [*at.dataframe, *at.table]:
        df = frame.value
        out += [str(c) for c in df.columns] + [str(v) for v in df.astype(str).values.ravel()]
    return out


# the former districts by name are what they are (a commune's group, a file of 2024); "huyện cũ" is right;
# CT05's "cơ sở y tế cấp xã, cấp huyện" is a tier of health facility in the plan's own words, not who reports
_OLD_NAMES = sorted({d.full_name for d in load_units().districts.values()}, key=len, reverse=True)
_ALLOWED = re.compile(r"huyện cũ|cấp xã, cấp huyện", re.I)
_REFORM = re.compile(r"1/7/2025|30/6/2025")  # a sentence about the reform: before it, districts reported


def huyen_for_the_reporting_unit(strings: list[str]) -> list[str]:
    found = []
    for text in strings:
        for name in _OLD_NAMES:
            text = text.replace(name, "")
        text = text.replace("<br>", " ")  # a chart label wrapped for a phone: one sentence still
        for sentence in re.split(r"[.;\n]", _ALLOWED.sub("", text)):
            if re.search(r"huyện", sentence, re.I) and not _REFORM.search(sentence):
                found.append(sentence.strip())
    return found


def test_the_checker_catches_a_huyen_label():
    assert huyen_for_the_reporting_unit(["CT08 · Huyện có dịch vụ bảo vệ trẻ em được củng cố"])
    assert huyen_for_the_reporting_unit(["Nhóm: Huyện"])
    assert not huyen_for_the_reporting_unit(["Xã An Ninh · Huyện Châu Thành", "mỗi xã theo huyện cũ",
                                             "Từ 1/7/2025 các xã, phường báo cáo thay huyện"])


@pytest.mark.parametrize("name", ALL_PAGES)
def test_no_page_calls_the_reporting_unit_huyen_on_a_commune_period(reform, name):  # noqa: F811
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["user"] = USERS["tinh92"]
    at.query_params["province"], at.query_params["period"] = "92", "2025"
    at.run()
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    strings = shown_strings(at)
    assert strings
    assert huyen_for_the_reporting_unit(strings) == []


def test_ct08_is_named_after_communes_on_a_commune_period_and_districts_before(reform):  # noqa: F811
    plan = load_plans().national
    assert "huyện" in plan.worded_for("pre2025").indicator("CT08").short_name.lower()
    worded = plan.worded_for("2025").indicator("CT08")
    assert "huyện" not in worded.name.lower() and "Xã, phường" in worded.short_name
    assert plan.worded_for("2025").match_indicator_name(plan.indicator("CT08").name).code == "CT08"  # old forms read
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["province"], at.query_params["period"] = "93", "2024"
    at.run()
    assert any("CT08 · Huyện có dịch vụ" in s for s in shown_strings(at))  # a district period says huyện


def test_the_export_of_a_commune_period_does_not_call_communes_huyen(reform):  # noqa: F811
    wb = build_report(Store(reform), "92", "2025")
    commune_sheets = [wb["TongHop"], wb["Nam 2025"]]
    strings = [str(c.value) for ws in commune_sheets for row in ws.iter_rows() for c in row if c.value is not None]
    strings += [c.number_format for ws in commune_sheets for row in ws.iter_rows() for c in row]
    assert any("CT08" in s for s in strings)
    assert huyen_for_the_reporting_unit(strings) == []
    old = wb["Nam 2024"] if "Nam 2024" in wb.sheetnames else None
    if old is not None:  # a district period's sheet still counts districts
        assert any("huyện" in str(c.value).lower() for row in old.iter_rows() for c in row if c.value)
