"""Streamlit glue shared by app.py and the pages: the store, cached engine calls, the selection,
and the few drawing helpers every dashboard page uses.

Only app.py and pages/ import streamlit. The Store is one per process (st.cache_resource);
it opens DuckDB per operation, so the command line can load returns at the same time.
Query results are cached with st.cache_data and cleared after every load (clear_caches).

The selection (province, period) lives in session_state under PROVINCE_KEY / PERIOD_KEY and
is mirrored in the query string by app.py (``?province=93&period=2023``). The sidebar widgets
have keys of their own (PROVINCE_WIDGET / PERIOD_WIDGET) so a page may change the selection
(``set_period``) without touching a widget that has already been drawn.

Functions below the "pure helpers" line use no streamlit: they shape engine output for a
page (cards, sentences, tables) and are tested directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import streamlit as st

from plantrack import accounts, charts, history, measure
from plantrack.charts import (
    COMPLETENESS_LABELS_VI, GROUP_LABELS_VI, STATUS_COLORS, STATUS_LABELS_VI, STATUS_ORDER, format_count,
    format_percent,
)
from plantrack.plans import Plan, Plans, load_plans, parse_period
from plantrack.store import Store
from plantrack.text import fold_words
from plantrack.units import Units, load_units

PROVINCE_KEY = "province"  # session_state and query-string key: province code, e.g. "93"
PERIOD_KEY = "period"  # period code, e.g. "2023" or "2023H1"; None = latest with data
USER_KEY = "user"  # dict(username, role "province"|"district"|"admin", province_code, district_code) or None
PROVINCE_WIDGET = "_province_picker"  # the sidebar selectboxes (app.py)
PERIOD_WIDGET = "_period_picker"
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
def provinces_comparison(indicator: str, period: str) -> list[dict]:
    return measure.provinces_comparison(get_store(), indicator, period)


@st.cache_data(show_spinner=False)
def completeness_matrix(province_code: str) -> list[dict]:
    return measure.completeness_matrix(get_store(), province_code)


@st.cache_data(show_spinner=False)
def periods_with_data(province_code: str | None) -> list[str]:
    return measure.periods_with_data(get_store(), province_code)


@st.cache_data(show_spinner=False)
def provinces_with_data() -> list[str]:
    """Codes of the provinces with at least one accepted return."""
    store = get_store()
    with store.session():  # one connection for the 63 look-ups
        return [code for code in units().provinces if measure.periods_with_data(store, code)]


@st.cache_data(show_spinner=False)
def district_history(district_code: str) -> list[dict]:
    """Every file received for the district, as the Vietnamese table of the history page."""
    return history.history_rows(history.return_history(get_store(), district_code), units())


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


def log_in(username: str, password: str) -> dict | None:
    user = accounts.authenticate(get_store(), username, password)
    st.session_state[USER_KEY] = user
    return user


def log_out() -> None:
    st.session_state[USER_KEY] = None


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


# --- pure helpers (no streamlit) -----------------------------------------------------------

STATUS_MEANING_VI = {
    "achieved": "kết quả đã bằng hoặc vượt 100 %.",
    "on_track": "đạt từ 95 % mức thay đổi cần có trở lên.",
    "needs_acceleration": "đạt từ 60 % đến dưới 95 % mức thay đổi cần có.",
    "limited_progress": "có tiến bộ nhưng dưới 60 % mức thay đổi cần có.",
    "deteriorating": "kết quả thấp hơn năm gốc.",
    "no_data": "không có huyện nào báo cáo chỉ tiêu này trong kỳ.",
}

def nearest_period(period: str | None, available: Iterable[str]) -> str | None:
    """The period in ``available`` closest in time to ``period`` (the later one on a tie);
    the latest when ``period`` is not a period."""
    parsed = [(p, parse_period(p)) for p in available]
    parsed = [(code, p) for code, p in parsed if p]
    if not parsed:
        return None
    target = parse_period(period) if period else None
    if target is None:
        return max(parsed, key=lambda cp: cp[1].sort_key)[0]
    return min(parsed, key=lambda cp: (abs(cp[1].t - target.t), -cp[1].t))[0]


def points_text(delta: float) -> str:
    """``4.1`` → ``"+4,1 điểm %"`` (ASCII minus so st.metric colours it red)."""
    text = format_percent(abs(delta), 1).replace(" %", " điểm %")
    return ("-" if delta < 0 else "+") + text


def group_cards(report: Mapping) -> list[dict]:
    """One card per indicator group, in the plan's group order.

    A group's headline is its lowest indicator (a group reaches 100 % only when every one of
    its indicators does; the indicators count different things — officers and police
    investigators, schools and clinics — so they are never added together). The card lists
    each indicator of the group with its own value."""
    by_group: dict[str, list[Mapping]] = {}
    for ind in report.get("indicators") or []:
        by_group.setdefault(ind["group"], []).append(ind)
    cards = []
    for group in GROUP_LABELS_VI:
        inds = by_group.get(group)
        if not inds:
            continue
        with_value = [i for i in inds if i.get("value") is not None]
        head = min(with_value, key=lambda i: (i["value"], i["code"])) if with_value else inds[0]
        value, previous = head.get("value"), head.get("previous_value")
        status = head.get("status") if value is not None else "no_data"
        several = len(inds) > 1
        headline = f"{head['code']} · {head.get('short_name') or head['name']}"
        if several:
            headline = ("Thấp nhất: " if with_value else "") + headline
        if value is None:
            gap = "Chưa có huyện nào báo cáo chỉ tiêu này trong kỳ."
        elif value >= head.get("target", 100):
            gap = "Đã đạt mục tiêu 100 %."
        else:
            gap = f"Còn cách mục tiêu 100 %: {format_percent(head.get('target', 100) - value, 1).replace(' %', ' điểm %')}."
        if head.get("kind") == "yesno" and value is not None:
            gap = (f"{format_count(head.get('numerator'))}/{format_count(head.get('denominator'))} huyện báo cáo "
                   "đã có dịch vụ. " + gap)
        lines = []
        if several:
            lines = [f"{i['code']} {i.get('short_name') or i['name']}: **{format_percent(i.get('value'), 1)}** "
                     f"({STATUS_LABELS_VI.get(i.get('status') if i.get('value') is not None else 'no_data')})"
                     for i in inds]
        cards.append({
            "group": group,
            "group_label": GROUP_LABELS_VI[group],
            "code": head["code"],
            "headline": headline,
            "value": value,
            "value_text": format_percent(value, 1) if value is not None else charts.NO_DATA_TEXT,
            "delta_text": (("Không đổi" if abs(value - previous) < 0.05 else points_text(value - previous))
                           if value is not None and previous is not None else None),
            "delta_flat": value is not None and previous is not None and abs(value - previous) < 0.05,
            "status": status,
            "gap_text": gap,
            "lines": lines,
            "help": head.get("name"),
        })
    return cards


def status_counts(report: Mapping) -> dict[str, int]:
    counts = {s: 0 for s in STATUS_ORDER}
    for ind in report.get("indicators") or []:
        s = ind.get("status") if ind.get("value") is not None else "no_data"
        counts[s if s in counts else "no_data"] += 1
    return counts


def completeness_sentence(report: Mapping) -> str:
    """``"7/8 huyện đã báo cáo, 5 đúng hạn"``."""
    c = report.get("completeness") or {}
    return (f"{format_count(c.get('received', 0))}/{format_count(c.get('expected', 0))} huyện đã báo cáo, "
            f"{format_count(c.get('on_time', 0))} đúng hạn")


def status_sentence(report: Mapping) -> str:
    """``"1/8 chỉ tiêu đã đạt 100 %, 3 đúng tiến độ, 4 cần đẩy nhanh"`` (statuses present only)."""
    counts = status_counts(report)
    total = sum(counts.values())
    parts = []
    for s in STATUS_ORDER:
        if not counts[s]:
            continue
        label = "đã đạt 100 %" if s == "achieved" else STATUS_LABELS_VI[s].lower()
        parts.append(f"{counts[s]} {label}")
    return f"{total} chỉ tiêu: " + ", ".join(parts) if parts else "Chưa có chỉ tiêu nào."


def goal_sentence(plan: Plan) -> str:
    targets = {(i.target, i.target_year) for i in plan.indicators}
    if len(targets) == 1:
        target, year = targets.pop()
        return f"Mục tiêu: mọi chỉ tiêu đạt {format_percent(target, 0)} vào năm {year}."
    return "Mục tiêu của từng chỉ tiêu: xem trang Chỉ tiêu."


def trajectory_sentence(traj: Mapping) -> str:
    """Where the unit stands and when it reaches the target at the pace shown since its baseline."""
    target, target_year = traj.get("target") or 100, traj.get("target_year")
    points = [p for p in traj.get("points") or [] if p.get("value") is not None]
    if not points:
        return "Chưa có số liệu của chỉ tiêu này."
    last = max(points, key=lambda p: p["t"])
    now = f"Kỳ gần nhất có số liệu ({last['period_label']}): **{format_percent(last['value'], 1)}**"
    if last["value"] >= target:
        return f"{now} — **đã đạt** mục tiêu {format_percent(target, 0)}."
    proj = traj.get("projection_year")
    if proj:
        # t = Y is the annual report of year Y; a value reaching 100 % at t = 2026.6 first shows
        # in the report of 2027, so the year named is the next whole t.
        year = math.ceil(proj - 1e-9)
        when = "kịp" if target_year is None or year <= target_year else f"chậm {year - target_year} năm so với"
        return (f"{now}. Với tốc độ hiện nay, **đạt {format_percent(target, 0)} vào khoảng năm {year}** "
                f"— {when} mục tiêu năm {target_year}.")
    baseline_year = traj.get("baseline_year")
    if baseline_year is None or last["t"] <= baseline_year:
        return f"{now}. **Chưa đủ số liệu để dự báo** (cần thêm kỳ báo cáo sau năm gốc)."
    return (f"{now}. **Với tốc độ hiện nay sẽ không đạt {format_percent(target, 0)}**: kết quả không cao hơn "
            f"năm gốc ({format_percent(traj.get('baseline'), 1)}).")


def districts_by_need(report: Mapping) -> list[str]:
    """District codes, furthest behind first (as the heatmap orders its rows): most indicators
    going backwards or progressing little, then lowest mean value; not reported last."""
    cells: dict[str, list[tuple[str, float | None]]] = {}
    names: dict[str, str] = {}
    for ind in report.get("indicators") or []:
        for u in ind.get("units") or []:
            value = u.get("value")
            cells.setdefault(u["district_code"], []).append((u.get("status") if value is not None else "no_data", value))
            names[u["district_code"]] = u.get("district") or u["district_code"]

    def need(code: str) -> tuple:
        statuses = [s for s, _ in cells[code]]
        values = [v for _, v in cells[code] if v is not None]
        return (-sum(s in ("deteriorating", "limited_progress") for s in statuses), -statuses.count("deteriorating"),
                sum(values) / len(values) if values else math.inf, fold_words(names[code]))

    return sorted(cells, key=need)


def short_period_labels(rows: Iterable[Mapping]) -> list[dict]:
    """Completeness rows with the short axis labels ("6T/2023", "2023"): twelve long labels
    ("6 tháng đầu năm 2023") do not fit across a page."""
    return [{**r, "period_label": charts.period_label(r["period"])} for r in rows]


CHASE_ACTIONS_VI = {
    "missing": "Nhắc huyện nộp báo cáo",
    "refused": "Đề nghị huyện sửa lỗi và nộp lại (xem trang Lịch sử)",
    "late": "Đã nhận, nhưng sau hạn nộp",
}


def chase_rows(matrix: Iterable[Mapping], period: str) -> list[dict]:
    """The districts to chase for a period (not sent, refused, late), as a Vietnamese table."""
    order = {"missing": 0, "refused": 1, "late": 2}
    rows = [r for r in matrix if r.get("period") == period and r.get("state") in order]
    rows.sort(key=lambda r: (order[r["state"]], r["district_code"]))
    return [{"Huyện": r["district"], "Tình trạng": COMPLETENESS_LABELS_VI[r["state"]],
             "Việc cần làm": CHASE_ACTIONS_VI[r["state"]]} for r in rows]


def state_counts(matrix: Iterable[Mapping], period: str) -> dict[str, int]:
    counts = {s: 0 for s in COMPLETENESS_LABELS_VI}
    for r in matrix:
        if r.get("period") == period and r.get("state") in counts:
            counts[r["state"]] += 1
    return counts


def with_data_only(rows: Iterable[Mapping], keep: str | None = None) -> list[Mapping]:
    """Ranking rows that have a value (and the ``keep`` province, whatever it has)."""
    return [r for r in rows if r.get("value") is not None or r.get("province_code") == keep]


def indicator_rows(plan: Plan) -> list[dict]:
    """The plan's indicators as a Vietnamese table."""
    return [{
        "Mã": i.code,
        "Nhóm": GROUP_LABELS_VI.get(i.group, i.group),
        "Chỉ tiêu": i.name,
        "Tử số (Số đạt)": "Huyện trả lời “Có”" if i.is_yesno else i.numerator,
        "Mẫu số (Tổng số)": "Số huyện báo cáo" if i.is_yesno else i.denominator,
        "Mục tiêu": f"{format_percent(i.target, 0)} năm {i.target_year}",
        "Năm gốc": str(i.baseline_year),
        "Nguồn": i.source,
    } for i in plan.indicators]


def plan_file_rows(all_plans: Plans, all_units: Units) -> list[dict]:
    """Every plan file: which document, for which provinces, how many indicators."""
    rows = []
    for plan in sorted(all_plans.plans.values(), key=lambda p: (bool(p.provinces), p.source_file)):
        provinces = ", ".join(all_units.provinces[c].name for c in plan.provinces if c in all_units.provinces)
        rows.append({
            "Tệp": f"indicators/{plan.source_file}",
            "Văn bản": plan.document,
            "Cơ quan ban hành": plan.issuer,
            "Ngày ban hành": plan.issued.strftime("%d/%m/%Y") if plan.issued else "",
            "Áp dụng cho": provinces or "Các tỉnh chưa có kế hoạch riêng",
            "Số chỉ tiêu": len(plan.indicators),
            "Kế thừa": all_plans.plans[plan.extends].document if plan.extends in all_plans.plans else "",
        })
    return rows


def plan_source_text(plan: Plan) -> str:
    """One line for the sidebar: the governing document, its issuer and date."""
    issued = f", {plan.issued.strftime('%d/%m/%Y')}" if plan.issued else ""
    return f"**{plan.document}**{issued} — {plan.issuer}"


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
