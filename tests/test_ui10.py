"""Issue #10, first part: Vietnamese everywhere, the help page and changing one's password, the
not-found page, links that keep the selection, the print stylesheet and plotly's toolbar in Vietnamese.

Engine parts are tested directly; the pages through AppTest (the browser test checks what a
visitor sees: tests/e2e/test_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages import common
from plantrack import accounts, guide, sessions, stylesheet
from plantrack.issues import NAMES_VI, TEMPLATES
from plantrack.plans import load_plans
from plantrack.plotly_vi import DICTIONARY_VI, TOOLBAR_BUTTONS, plotly_config
from plantrack.store import Store
from tests.test_pages import app, small, small_db, texts  # noqa: F401 - fixtures

PLOTLY_JS = sorted((Path(__import__("streamlit").__file__).parent / "static" / "static" / "js").glob("PlotlyChart*.js"))


# --- plotly's toolbar ------------------------------------------------------------------------

def test_every_toolbar_string_of_the_bundled_plotly_is_translated():
    """The strings plotly.js localizes in Streamlit's own bundle: none left in English."""
    if not PLOTLY_JS:
        pytest.skip("Streamlit's plotly bundle not found")
    source = PLOTLY_JS[0].read_text(encoding="utf-8", errors="replace")
    localized = set(re.findall(r"\b[a-z_]\(e,`([A-Z][^`]{2,80})`\)", source))
    shown = {s for s in localized if not s.startswith(("Share", "If you", "This chart", "Cancel", "Glyphs", "Image",
                                                       "Style", "Orbital", "Turntable", "Reset camera"))}
    assert {"Zoom", "Pan", "Autoscale", "Reset axes", "Download plot as a PNG"} <= localized
    assert shown - set(DICTIONARY_VI) == set()


def test_plotly_config_is_vietnamese_and_short():
    config = plotly_config()
    assert config["locale"] == "vi" and config["locales"]["vi"]["dictionary"] == DICTIONARY_VI
    assert config["modeBarButtons"] == [["toImage"], ["zoom2d", "zoomIn2d", "zoomOut2d", "resetScale2d"]]
    assert not config["displaylogo"] and config["toImageButtonOptions"]["filename"].isascii()
    for group in TOOLBAR_BUTTONS:
        assert all(b in {"toImage", "zoom2d", "zoomIn2d", "zoomOut2d", "resetScale2d"} for b in group)
    assert all(v and not re.search(r"\b(Zoom|Pan|Download|Reset|plot)\b", v) for v in DICTIONARY_VI.values())


def test_charts_are_drawn_with_the_vietnamese_config(small):  # noqa: F811
    at = app(province="93", period="2024")
    charts = list(at.get("plotly_chart"))
    assert charts
    import json
    for chart in charts:
        config = json.loads(chart.proto.config)
        assert config["locale"] == "vi" and config["locales"]["vi"]["dictionary"]["Zoom"] == DICTIONARY_VI["Zoom"]


# --- the stylesheet --------------------------------------------------------------------------

def _content(css: str, selector_part: str) -> str:
    block = re.search(re.escape(selector_part) + r"::after \{\s*content: (\"[^\"]*\")", css)
    assert block, selector_part
    return re.sub(r"\\([0-9a-f]+) ", lambda m: chr(int(m.group(1), 16)), block.group(1)[1:-1])


def test_uploader_says_the_real_limit_and_formats_in_vietnamese():
    css = stylesheet.SCREEN_CSS
    assert _content(css, 'button [data-testid="stMarkdownContainer"]') == "Chọn tệp"
    limit = _content(css, '[data-testid="stFileUploaderDropzoneInstructions"] > div')
    assert "tối đa 10 MB mỗi tệp" in limit and ".xlsx, .xlsm, .xls, .ods, .xml" in limit
    assert "50" not in limit
    assert '[data-testid="stElementToolbar"] { display: none !important; }' in css


def test_printing_hides_the_sidebar_login_header_and_toolbars():
    css = stylesheet.PRINT_CSS
    body = css[css.index("@media print"):]
    for part in ("stSidebar", "stHeader", "stToolbar", "stForm", "stElementToolbar", "modebar-container"):
        assert part in body
    assert "max-width: 100% !important" in body
    assert stylesheet.STYLESHEET.startswith("<style>") and stylesheet.STYLESHEET.endswith("</style>")


# --- unknown addresses ---------------------------------------------------------------------

@pytest.mark.parametrize("url, base, expected", [
    ("http://h:8501/khong-co", "", "khong-co"),
    ("http://h:8501/khong-co?province=93", "", "khong-co"),
    ("http://h:8501/", "", None),
    ("http://h:8501/huyen", "", None),
    ("http://h:8501/plantrack/huyen", "plantrack", None),
    ("http://h:8501/plantrack/xyz", "/plantrack/", "xyz"),
    ("http://h:8501/plantrack", "plantrack", None),
    ("http://h:8501/ti%E1%BA%BFng", "", "tiếng"),
    ("http://h:8501/a/b", "", None),
    (None, "", None),
])
def test_unknown_page_path(url, base, expected):
    assert common.unknown_page_path(url, ["huyen", "tong-quan"], base) == expected


def test_an_unknown_address_says_so_in_vietnamese(small, monkeypatch):  # noqa: F811
    monkeypatch.setattr(type(__import__("streamlit").context), "url", property(lambda self: "http://h/khong-co"))
    at = app(province="93", period="2023")
    at.switch_page("pages/not_found.py").run()  # what the router runs for /khong-co (the browser test goes there)
    assert not at.exception
    shown = texts(at)
    assert "Không có trang này" in shown and re.search(r"/khong\\?-co", shown)  # shown as plain text
    assert "Page not found" not in shown


# --- links keep the selection ----------------------------------------------------------------

def test_sidebar_links_carry_the_province_and_period(small):  # noqa: F811
    at = app(province="93", period="2023")
    links = at.get("page_link")
    assert len(links) == 11  # Đơn vị của tôi among them
    for link in links:
        assert link.proto.query_string in ("province=93&period=2023", "period=2023&province=93"), link.proto.page
    at.selectbox(key=common.PERIOD_WIDGET).set_value("2024").run()
    assert all("period=2024" in link.proto.query_string for link in at.get("page_link"))


def test_a_page_picker_follows_and_sets_the_sidebar_period(small):  # noqa: F811
    """common.pick_period: opens on the sidebar's period; choosing there chooses here and back."""
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from pages import common\n"
        "st.session_state.setdefault(common.PROVINCE_KEY, '93')\n"
        "st.session_state.setdefault(common.PERIOD_KEY, '2023')\n"
        "chosen = common.pick_period('page_period', everything='Tất cả các kỳ')\n"
        "st.write(f'chosen={chosen} sidebar={common.selected_period()}')\n", default_timeout=60).run()
    assert at.selectbox(key="page_period").value == "2023"
    at.selectbox(key="page_period").set_value("2024").run()
    assert at.session_state[common.PERIOD_KEY] == "2024"
    at.session_state[common.PERIOD_KEY] = "2023"  # the sidebar changes: the page follows
    at.run()
    assert at.selectbox(key="page_period").value == "2023"
    at.selectbox(key="page_period").set_value(None).run()  # every period: the sidebar stays
    assert at.session_state[common.PERIOD_KEY] == "2023" and "chosen=None" in at.markdown[-1].value


# --- the help page -------------------------------------------------------------------------

def test_help_lists_every_check_by_its_vietnamese_name():
    rows = guide.check_rows()
    assert [r["Loại lỗi"] for r in rows] == [NAMES_VI[c] for c in sorted(TEMPLATES, key=lambda c: TEMPLATES[c][0] != "error")]
    for r in rows:
        assert r["Mức độ"] in ("Lỗi", "Cảnh báo")
        assert len(r["Ý nghĩa và cách sửa"]) > 20 and "{" not in r["Ý nghĩa và cách sửa"]
    assert ".xlsx, .xlsm, .xls hoặc .ods" in rows[0]["Ý nghĩa và cách sửa"]  # the blanks keep the words apart


def test_help_says_how_to_fill_and_whom_to_call():
    text = guide.filling_text(load_plans().for_province("93"))
    for part in ("ô màu vàng", "để trống cả hai ô", "**0**", "CT08", "Có", "Không", ".xlsx", ".xlsm", ".xls", ".ods",
                 "SpreadsheetML", "10 MB"):
        assert part in text, part
    contacts = guide.contacts_text()
    assert "111" in contacts and "Sở Y tế" in contacts and "1/7/2025" in contacts and "Lao động" in contacts


def _help(at: AppTest) -> AppTest:
    return at.switch_page("pages/help.py").run()


def test_help_page_renders_and_asks_to_log_in_for_the_password(small):  # noqa: F811
    at = _help(app())
    assert not at.exception
    assert "Hướng dẫn" in texts(at) and "đăng nhập" in texts(at)
    table = at.table[0].value
    assert set(table["Loại lỗi"]) == set(NAMES_VI.values())
    assert "Đổi mật khẩu" not in [b.label for b in at.button]  # no form without a login


def _fill(at: AppTest, old: str, new: str, again: str) -> AppTest:
    form = [t for t in at.text_input if t.label.startswith(("Mật khẩu hiện tại", "Mật khẩu mới", "Nhập lại"))]
    form[0].input(old)
    form[1].input(new)
    form[2].input(again)
    [b for b in at.button if b.label == "Đổi mật khẩu"][0].click()
    return at.run()


def test_changing_ones_password_ends_the_other_sessions_only(small):  # noqa: F811
    store = Store(small)
    elsewhere = sessions.start_session(store, "huyen933")
    at = app()
    at.session_state["login_username"] = "huyen933"
    at.session_state["login_password"] = "huyen933-demo"
    [b for b in at.button if b.label == "Đăng nhập"][0].click()
    at.run()
    assert at.session_state[common.USER_KEY]["username"] == "huyen933"
    at = _help(at)

    at = _fill(at, "huyen933-demo", "mat-khau-moi-1", "mat-khau-moi-2")
    assert any("không giống nhau" in e.value for e in at.error)
    at = _fill(at, "sai-mat-khau", "mat-khau-moi-1", "mat-khau-moi-1")
    assert any("Mật khẩu cũ không đúng" in e.value for e in at.error)
    at = _fill(at, "huyen933-demo", "ngan", "ngan")
    assert any("ít nhất" in e.value for e in at.error)
    assert accounts.authenticate(store, "huyen933", "huyen933-demo")

    at = _fill(at, "huyen933-demo", "mat-khau-moi-1", "mat-khau-moi-1")
    assert any("Đã đổi mật khẩu" in s.value for s in at.success)
    assert accounts.authenticate(store, "huyen933", "mat-khau-moi-1")
    assert not accounts.authenticate(store, "huyen933", "huyen933-demo")
    assert sessions.user_for_cookie(store, elsewhere) is None  # another browser: logged out
    assert sessions.user_for_cookie(store, at.session_state[common.SESSION_KEY])["username"] == "huyen933"
    at.run()
    assert at.session_state[common.USER_KEY]["username"] == "huyen933"  # this tab: still in


def test_change_password_engine_rules(small):  # noqa: F811
    store = Store(small)
    a, b = sessions.start_session(store, "tinh93"), sessions.start_session(store, "tinh93")
    other = sessions.start_session(store, "huyen933")
    with pytest.raises(accounts.AccountError, match="khác mật khẩu cũ"):
        accounts.change_password(store, "tinh93", "tinh93-demo", "tinh93-demo")
    with pytest.raises(accounts.AccountError, match="Mật khẩu cũ không đúng"):
        accounts.change_password(store, "tinh93", "wrong-one", "something-new")
    accounts.change_password(store, "tinh93", "tinh93-demo", "something-new", keep_cookie=a)
    assert sessions.user_for_cookie(store, a) and not sessions.user_for_cookie(store, b)
    assert sessions.user_for_cookie(store, other)  # another account's sessions are untouched
    accounts.change_password(store, "TINH93 ", "something-new", "something-newer")  # no tab kept
    assert not sessions.user_for_cookie(store, a)


def test_guessing_the_old_password_is_locked_like_a_login(small, monkeypatch):  # noqa: F811
    monkeypatch.setattr(accounts, "_sleep", lambda s: None)
    store = Store(small)
    for _ in range(accounts.LOCK_AFTER - 1):
        with pytest.raises(accounts.AccountError, match="Mật khẩu cũ không đúng"):
            accounts.change_password(store, "tinh93", "guess", "something-new")
    with pytest.raises(accounts.AccountError, match="tạm khóa"):
        accounts.change_password(store, "tinh93", "guess", "something-new")
    with pytest.raises(accounts.AccountError, match="tạm khóa"):  # even the right one, while locked
        accounts.change_password(store, "tinh93", "tinh93-demo", "something-new")


def test_a_known_address_has_no_not_found_page(small):  # noqa: F811
    at = app(province="93", period="2023")
    with pytest.raises(Exception):
        at.switch_page("pages/not_found.py").run()


@pytest.mark.parametrize("path", ["", "tong-quan", "huyen", "huong-dan"])
def test_a_page_of_the_router_is_never_taken_for_an_unknown_one(small, monkeypatch, path):  # noqa: F811
    """The default page's st.Page.url_path reads "": its own path (/tong-quan) must still be known."""
    monkeypatch.setattr(type(__import__("streamlit").context), "url", property(lambda self: f"http://h/{path}"))
    at = app(province="93", period="2023")
    assert not at.exception, [e.value for e in at.exception]
    assert "Không có trang này" not in texts(at)
