"""Streamlit glue shared by app.py and the pages: the store, cached engine calls, the selection,
and the few drawing helpers every dashboard page uses.

Only app.py and pages/ import streamlit. The Store is one per process (st.cache_resource);
it opens DuckDB per operation, so the command line can load returns at the same time.
Query results are cached with st.cache_data and cleared after every load (clear_caches).

The selection (province, period) lives in session_state under PROVINCE_KEY / PERIOD_KEY and
is mirrored in the query string by app.py (``?province=93&period=2023``). The sidebar widgets
have keys of their own (PROVINCE_WIDGET / PERIOD_WIDGET) so a page may change the selection
(``set_period``) without touching a widget that has already been drawn.

The pure shaping of engine output for a page (cards, sentences, tables) is in plantrack/views.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import streamlit as st

from plantrack import accounts, history, measure, sessions
from plantrack.charts import STATUS_COLORS, STATUS_LABELS_VI, STATUS_ORDER
from plantrack.plans import Plan, Plans, load_plans, parse_period
from plantrack.store import Store, StoreFault
from plantrack.text import fold_words
from plantrack.units import Units, load_units
from plantrack.views import STATUS_MEANING_VI, nearest_period

PROVINCE_KEY = "province"  # session_state and query-string key: province code, e.g. "93"
PERIOD_KEY = "period"  # period code, e.g. "2023" or "2023H1"; None = latest with data
USER_KEY = "user"  # dict(username, role "province"|"district"|"admin", province_code, district_code) or None
PROVINCE_WIDGET = "_province_picker"  # the sidebar selectboxes (app.py)
PERIOD_WIDGET = "_period_picker"
SESSION_KEY = "_session_cookie"  # the cookie value of the session this tab logged into (sessions.py)
COOKIE_TICKET_KEY = "_cookie_ticket"  # a one-time ticket the page redeems for the HttpOnly cookie
COOKIE_CLEAR_KEY = "_cookie_clear"  # the page should ask the server to clear the cookie
DEFAULT_PROVINCE = "93"  # Hậu Giang: the plan the dashboard was first built for (Kế hoạch 1960/KH-UBND)


@st.cache_resource
def get_store() -> Store:
    return Store()


def units() -> Units:
    return load_units()


def plans() -> Plans:
    return load_plans()


# --- cached engine calls -------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def report(province_code: str, period: str | None) -> dict:
    return measure.province_report(get_store(), province_code, period)


@st.cache_data(show_spinner=False)
def trajectory(unit_code: str, indicator: str) -> dict:
    return measure.trajectory(get_store(), unit_code, indicator)


@st.cache_data(show_spinner=False)
def provinces_comparison(indicator: str, period: str, map_: str = "2025") -> list[dict]:
    """Today's 34 provinces ranked, or the 63 former ones (map_='pre2025')."""
    return measure.provinces_comparison(get_store(), indicator, period, map_=map_)


@st.cache_data(show_spinner=False)
def completeness_matrix(province_code: str) -> list[dict]:
    return measure.completeness_matrix(get_store(), province_code)


@st.cache_data(show_spinner=False)
def periods_with_data(province_code: str | None) -> list[str]:
    return measure.periods_with_data(get_store(), province_code)


@st.cache_data(show_spinner=False)
def provinces_with_data() -> list[str]:
    """Codes of the provinces with at least one accepted return."""
    return measure.provinces_with_data(get_store())


@st.cache_data(show_spinner=False)
def district_history(district_code: str) -> list[dict]:
    """Every file received for the district, as the Vietnamese table of the history page (without
    who sent them: the dashboards are public, log-in names are not)."""
    return history.history_rows(history.return_history(get_store(), district_code), units(), sender_visible=False)


def clear_caches() -> None:
    """Call after every load: the figures must show the new return at once."""
    st.cache_data.clear()


# --- the selection -------------------------------------------------------------------------

def selected_province() -> str:
    return st.session_state.get(PROVINCE_KEY) or DEFAULT_PROVINCE


def selected_period() -> str | None:
    """The chosen period; when none was chosen yet, the province's latest with data."""
    return st.session_state.get(PERIOD_KEY) or default_period(selected_province())


def current_user() -> dict | None:
    return st.session_state.get(USER_KEY)


def set_period(period: str) -> None:
    """Choose a period (usable as a button's on_click: app.py redraws the sidebar from it)."""
    st.session_state[PERIOD_KEY] = period


def set_province(province_code: str) -> None:
    st.session_state[PROVINCE_KEY] = province_code


def province_options() -> list[str]:
    """Every province: those with returns first, then the others, each group in alphabetical order."""
    with_data = set(provinces_with_data())
    return sorted(units().provinces, key=lambda c: (c not in with_data, fold_words(units().provinces[c].name)))


def province_label(code: str) -> str:
    name = units().provinces[code].name
    return name if code in provinces_with_data() else f"{name} · chưa có báo cáo"


def period_options(province_code: str) -> list[str]:
    """The plan's periods, newest first."""
    return [p.code for p in reversed(plans().for_province(province_code).periods())]


def period_label(code: str | None) -> str:
    return history.period_label(code)


def period_option_label(code: str, province_code: str) -> str:
    label = period_label(code)
    return label if code in periods_with_data(province_code) else f"{label} · chưa có số liệu"


def default_period(province_code: str) -> str:
    """The latest period with data in the province; without any, the plan's latest period."""
    available = periods_with_data(province_code)
    return available[-1] if available else period_options(province_code)[0]


def client_address() -> str | None:
    """The visitor's address as the server saw it (None on localhost)."""
    try:
        address = st.context.ip_address
    except Exception:  # no browser connection
        return None
    return address if isinstance(address, str) else None  # AppTest's context is a mock


def _browser_cookie() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE_NAME)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _forget_user_state() -> None:
    """Drop everything of the tab's previous user: uploads, outcomes, annotated files, choices.
    What stays is the province and period shown (public) and the login box itself."""
    keep = {PROVINCE_KEY, PERIOD_KEY, PROVINCE_WIDGET, PERIOD_WIDGET, INDICATOR_KEY, "_selection_ready",
            "login_username", "login_password"}
    for key in list(st.session_state.keys()):
        if key not in keep:
            del st.session_state[key]


def log_in(username: str, password: str) -> accounts.LoginResult:
    """Check the login (failures counted in the store) and, when it is right, start a session that
    lasts (sessions.py): the page then redeems a ticket for the HttpOnly cookie."""
    store = get_store()
    result = accounts.log_in(store, username, password, client_address())
    if result.user:
        _forget_user_state()
        cookie = sessions.start_session(store, result.user["username"])
        st.session_state[SESSION_KEY] = cookie
        st.session_state[COOKIE_TICKET_KEY] = sessions.issue_ticket(cookie)
    st.session_state[USER_KEY] = result.user
    return result


def restore_login() -> dict | None:
    """The account of this tab's live session (its own login, else the browser's cookie), checked
    against the store on every run: a session ended elsewhere or expired logs the tab out.

    With no session at all the user in session_state stays as it is (set by a test)."""
    cookie = st.session_state.get(SESSION_KEY) or _browser_cookie()
    if cookie:
        user = sessions.user_for_cookie(get_store(), cookie)
        if user is None and st.session_state.get(USER_KEY):
            _forget_user_state()  # ended in another tab, or expired: nothing of it stays on this one
        st.session_state[USER_KEY] = user
    return st.session_state.get(USER_KEY)


def log_out() -> None:
    """End the session in the store (so every tab, and any copy of the cookie, is logged out) and
    forget everything of the user on this tab; the page then has the cookie cleared."""
    store = get_store()
    for cookie in {st.session_state.get(SESSION_KEY), _browser_cookie()} - {None}:
        with contextlib.suppress(StoreFault):  # the cookie is still cleared; /api/session/end revokes it too
            sessions.end_session(store, cookie)
    _forget_user_state()
    st.session_state[USER_KEY] = None
    st.session_state[COOKIE_CLEAR_KEY] = True


def cookie_script() -> str | None:
    """The script the page runs to receive (or clear) the login cookie, if one is due."""
    ticket = st.session_state.get(COOKIE_TICKET_KEY)
    if ticket and sessions.ticket_pending(ticket):
        return ("<script>fetch('/api/session', {method: 'POST', body: '%s', credentials: 'same-origin'})"
                "</script>" % ticket)
    st.session_state.pop(COOKIE_TICKET_KEY, None)
    if st.session_state.pop(COOKIE_CLEAR_KEY, False):
        return "<script>fetch('/api/session/end', {method: 'POST', credentials: 'same-origin'})</script>"
    return None


# --- drawing helpers -----------------------------------------------------------------------

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def plot(fig, key: str | None = None) -> None:
    """Draw a figure with its own colours and fonts (theme=None), full width."""
    st.plotly_chart(fig, theme=None, width="stretch", config=PLOTLY_CONFIG, key=key)


def require_data(province_code: str, period: str | None, *, available: list[str] | None = None,
                 where: str | None = None) -> bool:
    """True when there are returns for the period (any period, when ``period`` is None);
    otherwise say so, offer the nearest period with data (a button that chooses it) and
    return False.

    ``available`` defaults to the province's periods with data; ``where`` names what is
    missing (default: the province)."""
    name = where or units().provinces[province_code].full_name
    available = periods_with_data(province_code) if available is None else available
    if not available:
        st.info(f"**{name} chưa có báo cáo nào của các huyện.** Khi các huyện nộp báo cáo (trang "
                "**Nộp báo cáo**) hoặc tỉnh nạp các tệp đã nhận qua thư điện tử, số liệu sẽ hiện ở đây.",
                icon=":material/inbox:")
        return False
    if period is None or period in available:
        return True
    near = nearest_period(period, available)
    st.warning(f"**{name} chưa có số liệu cho kỳ {period_label(period)}.** "
               f"Kỳ gần nhất có số liệu: **{period_label(near)}**.", icon=":material/event_busy:")
    st.button(f"Xem {period_label(near)}", on_click=set_period, args=(near,), type="primary",
              key=f"nearest_{near}", icon=":material/arrow_forward:")
    return False


INDICATOR_KEY = "indicator"  # the indicator chosen on one page stays chosen on the others


def pick_indicator(plan: Plan, key: str, label: str = "Chỉ tiêu"):
    """A selectbox of the plan's indicators; the choice is shared by every page."""
    codes = plan.codes
    current = st.session_state.get(INDICATOR_KEY)
    st.session_state[key] = current if current in codes else codes[0]
    code = st.selectbox(label, codes, key=key, on_change=_copy_to, args=(key, INDICATOR_KEY),
                        format_func=lambda c: f"{c} · {plan.indicator(c).short_name}")
    st.session_state[INDICATOR_KEY] = code
    return plan.indicator(code)


def _copy_to(widget: str, key: str) -> None:
    st.session_state[key] = st.session_state[widget]


def status_pill(status: str, text: str | None = None) -> str:
    """HTML for a small label in the status colour (dark text reads on every status colour)."""
    colour = STATUS_COLORS.get(status, STATUS_COLORS["no_data"])
    label = text or STATUS_LABELS_VI.get(status, status)
    return (f"<span style='background:{colour};color:#1B1F24;border-radius:0.7em;padding:0.1em 0.65em;"
            f"font-size:0.85em;font-weight:600;white-space:nowrap'>{label}</span>")


def draw_group_card(card: Mapping) -> None:
    """One group's card: lowest indicator value vs 100 %, change since the previous report, status."""
    with st.container(border=True):
        st.markdown(f"{status_pill(card['status'])}&nbsp; **{card['group_label']}**", unsafe_allow_html=True)
        st.caption(card["headline"], help=card["help"])
        flat = card["delta_flat"]
        st.metric(card["headline"], card["value_text"], delta=card["delta_text"], label_visibility="collapsed",
                  delta_color="off" if flat else "normal", delta_arrow="off" if flat else "auto",
                  delta_description="so với kỳ trước" if card["delta_text"] else None)
        st.caption(card["gap_text"])
        for line in card["lines"]:
            st.caption(line)


def draw_status_legend() -> None:
    with st.expander("Cách đọc màu và trạng thái"):
        st.markdown(
            "Mỗi chỉ tiêu phải đạt **100 % vào năm 2025**. Lộ trình cần đạt là đường thẳng từ kết quả năm gốc "
            "(2020, hoặc năm đầu tiên có báo cáo năm) đến 100 % năm 2025; kết quả của kỳ được so với mức cần đạt "
            "của lộ trình tại kỳ đó (mức thay đổi thực tế ÷ mức thay đổi cần có):\n\n"
            + "\n".join(f"- {status_pill(s)} {STATUS_MEANING_VI[s]}" for s in STATUS_ORDER),
            unsafe_allow_html=True)


# --- the query string (no streamlit) --------------------------------------------------------

def parse_selection(params: Mapping[str, str], all_units: Units, all_plans: Plans) -> tuple[str | None, str | None]:
    """The (province, period) a query string asks for; None for a value that is not valid."""
    province = str(params.get(PROVINCE_KEY) or "").strip()
    province = province if province in all_units.provinces else None
    period = None
    p = parse_period(params.get(PERIOD_KEY)) if params.get(PERIOD_KEY) else None
    if p is not None:
        plan = all_plans.for_province(province or DEFAULT_PROVINCE)
        period = p.code if plan.in_range(p) else None
    return province, period
