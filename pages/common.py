"""Streamlit glue shared by app.py and the pages: the store, cached engine calls, the selection,
and the few drawing helpers every dashboard page uses.

Only app.py and pages/ import streamlit. The Store is one per process (st.cache_resource);
it opens DuckDB per operation, so the command line can load returns at the same time.
Query results are cached with st.cache_data and cleared after every load (clear_caches).

The selection (province, period) lives in session_state under PROVINCE_KEY / PERIOD_KEY and
is mirrored in the query string by app.py (``?province=92&period=2025``). The province is kept
as its ref (``units.province_ref``: ``92`` today's Cần Thơ, ``93`` former Hậu Giang, ``92 (cũ)``
former Cần Thơ): the query string is parsed once (``parse_selection``, units.md's rules) and
pages get the Unit from ``selected_province()``. The sidebar widgets
have keys of their own (PROVINCE_WIDGET / PERIOD_WIDGET) so a page may change the selection
(``set_period``) without touching a widget that has already been drawn.

The pure shaping of engine output for a page (cards, sentences, tables) is in plantrack/views.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

import streamlit as st

from plantrack import accounts, chase, history, measure, officer, sessions, views
from plantrack.annotate import annotation_dir, cached_annotation
from plantrack.charts import STATUS_COLORS, STATUS_LABELS_VI, STATUS_ORDER
from plantrack.plans import Plan, Plans, load_plans, parse_period, worded_report
from plantrack.issues import Issue
from plantrack.plotly_vi import plotly_config
from plantrack.store import Store, StoreFault
from plantrack.template import template_bytes
from plantrack.text import fold_words
from plantrack.units import NEW_MAP, OLD_MAP, Unit, Units, load_units
from plantrack.views import STATUS_MEANING_VI, nearest_period

PROVINCE_KEY = "province"  # session_state and query-string key: the province's ref, e.g. "92", "93", "92 (cũ)"
PERIOD_KEY = "period"  # period code, e.g. "2023" or "2023H1"; None = latest with data
USER_KEY = "user"  # dict(username, role "province"|"district"|"admin", province_code, district_code, map) or None
PROVINCE_WIDGET = "_province_picker"  # the sidebar selectboxes (app.py)
PERIOD_WIDGET = "_period_picker"
SESSION_KEY = "_session_cookie"  # the cookie value of the session this tab logged into (sessions.py)
COOKIE_TICKET_KEY = "_cookie_ticket"  # a one-time ticket the page redeems for the HttpOnly cookie
COOKIE_CLEAR_KEY = "_cookie_clear"  # the page should ask the server to clear the cookie
DEFAULT_PROVINCE = "92"  # today's Cần Thơ (← Cần Thơ, Hậu Giang, Sóc Trăng): a demo province, Kế hoạch 1960 among its plans


@st.cache_resource
def get_store() -> Store:
    return Store()


def units() -> Units:
    return load_units()


def plans() -> Plans:
    return load_plans()


# --- cached engine calls -------------------------------------------------------------------
# A province reaches them as its ref (a string: hashable, and what the engine resolves at its edge).

def ref_of(province: Unit | str) -> str:
    return units().province_ref(province) if isinstance(province, Unit) else str(province)


def report(province: Unit | str, period: str | None) -> dict:
    return _report(ref_of(province), period)


@st.cache_data(show_spinner=False)
def _report(province_ref: str, period: str | None) -> dict:
    report = measure.province_report(get_store(), province_ref, period)
    return worded_report(report, plan_for(all_provinces()[province_ref]))


def trajectory(unit: Unit | str, indicator: str) -> dict:
    """A province's (given as a Unit or ref) or a district's / commune's (a Unit) series."""
    if isinstance(unit, Unit) and unit.level != "province":
        return _unit_trajectory(unit.map, unit.code, indicator)
    return _trajectory(ref_of(unit), indicator)


@st.cache_data(show_spinner=False)
def _trajectory(province_ref: str, indicator: str) -> dict:
    return measure.trajectory(get_store(), province_ref, indicator)


@st.cache_data(show_spinner=False)
def _unit_trajectory(map_: str, code: str, indicator: str) -> dict:
    return measure.trajectory(get_store(), units().unit(map_, code), indicator)


@st.cache_data(show_spinner=False)
def provinces_comparison(indicator: str, period: str, map_: str = "2025") -> list[dict]:
    """Today's 34 provinces ranked, or the 63 former ones (map_='pre2025')."""
    return measure.provinces_comparison(get_store(), indicator, period, map_=map_)


def completeness_matrix(province: Unit | str) -> list[dict]:
    return _completeness_matrix(ref_of(province))


@st.cache_data(show_spinner=False)
def _completeness_matrix(province_ref: str) -> list[dict]:
    return measure.completeness_matrix(get_store(), province_ref)


def periods_with_data(province: Unit | str | None) -> list[str]:
    return _periods_with_data(None if province is None else ref_of(province))


@st.cache_data(show_spinner=False)
def _periods_with_data(province_ref: str | None) -> list[str]:
    return measure.periods_with_data(get_store(), province_ref)


@st.cache_data(show_spinner=False)
def provinces_with_data() -> list[str]:
    """Refs of the provinces with at least one accepted return: today's first, then former ones."""
    return [units().province_ref(u) for u in measure.provinces_with_data(get_store())]


@st.cache_data(show_spinner=False)
def district_history(unit_code: str) -> list[dict]:
    """Every file received for the district or commune, as the Vietnamese table of the history
    page (without who sent them: the dashboards are public, log-in names are not)."""
    return history.history_rows(history.return_history(get_store(), unit_code), units(), sender_visible=False)


def chase_list(province: Unit | str, period: str, today: dt.date) -> list[dict]:
    """The units to chase for the period, furthest behind first (``chase.chase_list``)."""
    return _chase_list(ref_of(province), period, today)


@st.cache_data(show_spinner=False, ttl=3600)
def _chase_list(province_ref: str, period: str, today: dt.date) -> list[dict]:
    return chase.chase_list(get_store(), province_ref, period, units(), plans(), today=today)


@st.cache_data(show_spinner=False, max_entries=16)
def chase_workbook(province_ref: str, period: str, today: dt.date, search: str, title: str) -> bytes:
    return chase.chase_workbook(views.search_chase(_chase_list(province_ref, period, today), search), title)


@st.cache_data(show_spinner=False, ttl=3600)
def my_unit(map_: str, code: str, today: dt.date) -> dict:
    """An officer's unit (``views.my_unit_view``): its periods, what was received and refused
    (each refused file's errors), its own figures, and the period to fill next (``next_period``)."""
    unit = units().unit(map_, code)
    duties = officer.unit_duties(get_store(), unit, today, units(), plans())
    coming = officer.next_due(duties)
    view = views.my_unit_view(duties, officer.unit_figures(get_store(), unit, units(), plans()), coming)
    view["next_period"] = coming.period.code if coming else None
    return view


@st.cache_data(show_spinner=False, max_entries=64)
def unit_form(map_: str, code: str, period: str) -> bytes:
    """The pre-filled form of a unit for a period: a district's with its former province's plan,
    a commune's with today's province's plan (as the upload page builds it)."""
    unit = units().unit(map_, code)
    province, plan = officer.plan_of_unit(unit, units(), plans())
    return template_bytes(plan, province, unit, plan.period(period))


def marked_copy(receipt: Mapping) -> bytes | None:
    """A refused file with its errors marked (made once per file: ``cached_annotation``); None
    when the file was not kept or no error points at a cell."""
    errors = [i for i in receipt.get("issues") or [] if i.get("severity", "error") == "error"]
    if not receipt.get("stored", True) or not any(i.get("cell") for i in errors):
        return None
    data = history.original_bytes(get_store(), receipt["sha256"])
    if data is None:
        return None
    return cached_annotation(annotation_dir(get_store().path), data, [Issue(**i) for i in errors])


def clear_caches() -> None:
    """Call after every load: the figures must show the new return at once."""
    st.cache_data.clear()


_seen_stamp: list = [None]  # the store's stamp when the cached figures were made (one per server process)


def clear_caches_if_changed() -> None:
    """Drop the cached figures when the store was written since they were made, by this server or
    by anything else (``plantrack ingest`` from the command line, a restore): app.py calls it at
    the start of every page run. The store's stamp is a stat of its files, not a query."""
    stamp = get_store().stamp()
    if stamp != _seen_stamp[0]:
        st.cache_data.clear()
        _seen_stamp[0] = stamp


# --- the selection -------------------------------------------------------------------------

def all_provinces() -> dict[str, Unit]:
    """Ref -> province, for today's 34 and the 63 former ones."""
    u = units()
    return {u.province_ref(p): p for p in [*u.provinces_2025.values(), *u.provinces.values()]}


def default_province() -> str:
    """Today's Cần Thơ when it has data; else the first province with data; else Cần Thơ."""
    with_data = provinces_with_data()
    return DEFAULT_PROVINCE if DEFAULT_PROVINCE in with_data or not with_data else with_data[0]


def selected_ref() -> str:
    ref = st.session_state.get(PROVINCE_KEY)
    return ref if ref in all_provinces() else default_province()


def selected_province() -> Unit:
    """The province chosen in the sidebar: a province of today, or a former one."""
    return all_provinces()[selected_ref()]


def plan_for(province: Unit, period: str | None = None):
    """The plan that governs a province (a merged province: its predecessors' plans combined);
    given a period, its indicators are worded as that period's map names them (CT08 "ở xã, phường"
    for a period the communes report)."""
    plan = plans().for_unit(province, units())
    return plan.worded_for(plan.period(period).map) if period else plan


def selected_period() -> str | None:
    """The chosen period; when none was chosen yet, the province's latest with data."""
    return st.session_state.get(PERIOD_KEY) or default_period(selected_province())


def pick_period(key: str, label: str = "Kỳ báo cáo", *, everything: str | None = None, province: str | None = None,
                container=st) -> str | None:
    """A page's own period picker that *is* the sidebar's period: it opens on the sidebar's choice,
    and choosing here chooses there too (so the link, the other pages and this one agree).

    ``everything`` adds a first choice for "every period" (its label), returned as None; it is the
    page's own view and leaves the sidebar as it is. Periods are those of the province's plan (default:
    the sidebar's province), newest first."""
    codes = period_options(province or selected_province())
    options = ([None] if everything else []) + codes
    sidebar = selected_period()
    if key not in st.session_state or (st.session_state[key] is not None and st.session_state[key] != sidebar):
        st.session_state[key] = sidebar if sidebar in codes else (None if everything else codes[0])
    return container.selectbox(label, options, key=key, on_change=_follow_picker, args=(key,),
                               format_func=lambda c: everything if c is None else period_label(c))


def _follow_picker(key: str) -> None:
    if st.session_state[key] is not None:
        set_period(st.session_state[key])


def link_params() -> dict[str, str]:
    """The selection as a query string for a link to another page (``st.page_link(query_params=…)``):
    a link opened in a new tab, copied or shared shows the same province and period."""
    params = {PROVINCE_KEY: selected_ref()}  # the ref ("93", "92 (cũ)"), as app.py writes it
    period = selected_period()
    if period:
        params[PERIOD_KEY] = period
    return params


def current_user() -> dict | None:
    return st.session_state.get(USER_KEY)


def set_period(period: str) -> None:
    """Choose a period (usable as a button's on_click: app.py redraws the sidebar from it)."""
    st.session_state[PERIOD_KEY] = period


def set_province(province: Unit | str) -> None:
    st.session_state[PROVINCE_KEY] = ref_of(province)


def province_options() -> list[str]:
    """Every province's ref: today's 34 first, then the 63 former ones ('… (cũ)'); within each,
    those with returns first, then by name."""
    with_data = set(provinces_with_data())

    def key(item):
        ref, p = item
        return (p.map == OLD_MAP, ref not in with_data, fold_words(p.name))

    return [ref for ref, _ in sorted(all_provinces().items(), key=key)]


def province_label(ref: str) -> str:
    p = all_provinces().get(ref)
    if p is None:
        return ref
    name = units().province_label(p)
    return name if ref in provinces_with_data() else f"{name} · chưa có báo cáo"


def period_options(province: Unit | str) -> list[str]:
    """The plan's periods, newest first; a former province's only up to the reform (units.md)."""
    unit = province if isinstance(province, Unit) else all_provinces().get(province) or selected_province()
    periods = plan_for(unit).periods()
    if unit.map == OLD_MAP:
        periods = [p for p in periods if p.map == OLD_MAP]
    return [p.code for p in reversed(periods)]


def period_label(code: str | None) -> str:
    return history.period_label(code)


def period_option_label(code: str, province: Unit | str) -> str:
    label = period_label(code)
    return label if code in periods_with_data(province) else f"{label} · chưa có số liệu"


def default_period(province: Unit | str) -> str:
    """The latest period with data in the province; without any, the plan's latest period."""
    available = [p for p in periods_with_data(province) if p in period_options(province)]
    return available[-1] if available else period_options(province)[0]


def period_map(province: Unit, period: str | None) -> str:
    """The map a period of the province's plan is on (districts before 1/7/2025, communes after)."""
    return plan_for(province).period(period).map if period else (province.map)


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


def change_password(old: str, new: str) -> None:
    """The logged-in user changes their password; their other sessions end, this tab's stays.
    Raises accounts.AccountError (Vietnamese) when it cannot be done."""
    user = current_user()
    if not user:
        raise accounts.AccountError("Hãy đăng nhập trước khi đổi mật khẩu.")
    accounts.change_password(get_store(), user["username"], old, new, address=client_address(),
                             keep_cookie=st.session_state.get(SESSION_KEY) or _browser_cookie())


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

# where the login box and the pickers are: the sidebar, folded away on a phone behind the » button
SIDEBAR_PLACE = "ở thanh bên trái (trên điện thoại: bấm nút **»** ở góc trên bên trái màn hình để mở thanh bên)"
LOGIN_PLACE = ("ở ô Đăng nhập cuối thanh bên trái (trên điện thoại: bấm nút **»** ở góc trên bên trái màn hình "
               "để mở thanh bên, rồi kéo xuống cuối)")

PLOTLY_CONFIG = plotly_config()  # Vietnamese toolbar tooltips, download / zoom / reset only


def plot(fig, key: str | None = None) -> None:
    """Draw a figure with its own colours and fonts (theme=None), full width, its toolbar in Vietnamese."""
    st.plotly_chart(fig, theme=None, width="stretch", config=PLOTLY_CONFIG, key=key)


def draw_issues(rows: list[dict], key: str) -> None:
    """A file's errors or warnings (``annotate.issue_rows``): a table on a desktop, a list on a phone,
    where the table's message column would sit off screen (stylesheet.py shows one of the two)."""
    with st.container(key=f"wide_only_{key}"):
        st.dataframe(rows, hide_index=True, width="stretch")
    with st.container(key=f"narrow_only_{key}"):
        st.markdown(views.issue_lines(rows))


def require_data(province: Unit, period: str | None, *, available: list[str] | None = None,
                 where: str | None = None) -> bool:
    """True when there are returns for the period (any period, when ``period`` is None);
    otherwise say so, offer the nearest period with data (a button that chooses it) and
    return False.

    ``available`` defaults to the province's periods with data; ``where`` names what is
    missing (default: the province)."""
    name = where or views.province_name(province, units())
    available = periods_with_data(province) if available is None else available
    if not available:
        senders = "các huyện, xã, phường" if province.map == NEW_MAP else "các huyện"
        st.info(f"**{name} chưa có báo cáo nào của {senders}.** Khi các đơn vị nộp báo cáo (trang "
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
    ink = "#FFFFFF" if _is_dark(colour) else "#1B1F24"  # the baseline's dark grey needs light text
    return (f"<span style='background:{colour};color:{ink};border-radius:0.7em;padding:0.1em 0.65em;"
            f"font-size:0.85em;font-weight:600;white-space:nowrap'>{label}</span>")


def _is_dark(colour: str) -> bool:
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b < 128


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

def parse_selection(params: Mapping[str, str], all_units: Units, all_plans: Plans) -> tuple[Unit | None, str | None]:
    """The (province, period) a query string asks for, parsed once (units.md: today's province
    first, '(cũ)' for a former one); None for a value that is not valid. A former province's
    period must be before the reform."""
    text = str(params.get(PROVINCE_KEY) or "").strip()
    province = all_units.resolve_province(text).unit if text else None
    period = None
    p = parse_period(params.get(PERIOD_KEY)) if params.get(PERIOD_KEY) else None
    if p is not None:
        unit = province or all_units.provinces_2025.get(DEFAULT_PROVINCE)
        plan = all_plans.for_unit(unit, all_units) if unit is not None else all_plans.national
        if plan.in_range(p) and not (unit is not None and unit.map == OLD_MAP and plan.period(p).map != OLD_MAP):
            period = p.code
    return province, period


def unknown_page_path(url: str | None, known: Iterable[str], base_path: str = "") -> str | None:
    """The page path an address asks for when the router has no such page (``/khong-co`` → ``khong-co``),
    else None (the home page, a known page, or no address). ``base_path`` is server.baseUrlPath.

    app.py gives such a path a hidden page of its own that says so in Vietnamese; without it
    Streamlit would show its English "Page not found" and run the home page."""
    if not url:
        return None
    path = unquote(urlsplit(url).path).strip("/")
    base = (base_path or "").strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):].strip("/")
    if not path or path in set(known) or "/" in path:  # a nested path never reaches the router
        return None
    return path
