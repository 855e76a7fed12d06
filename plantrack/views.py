"""Engine output shaped for reading: the dashboard's cards, sentences and tables, in Vietnamese.

Pure functions (report dicts and plans in, plain rows and strings out), so the pages stay thin
and these are tested directly; no streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from plantrack import charts
from plantrack.charts import (
    COMPLETENESS_LABELS_VI, GROUP_LABELS_VI, STATUS_LABELS_VI, STATUS_ORDER, format_count, format_percent,
)
from plantrack.plans import Plan, Plans, parse_period
from plantrack.units import Units

STATUS_MEANING_VI = {
    "achieved": "kết quả đã bằng hoặc vượt 100 %.",
    "on_track": "đạt từ 95 % mức thay đổi cần có trở lên.",
    "needs_acceleration": "đạt từ 60 % đến dưới 95 % mức thay đổi cần có.",
    "limited_progress": "có tiến bộ nhưng dưới 60 % mức thay đổi cần có.",
    "deteriorating": "kết quả thấp hơn năm gốc.",
    "baseline": "kỳ của năm gốc: kết quả là mốc để tính tiến độ các kỳ sau, chưa có tiến độ để đánh giá.",
    "no_data": "không có huyện nào báo cáo chỉ tiêu này trong kỳ.",
}

# how a count of indicators in a status reads in a sentence ("3 đúng tiến độ"), where the label alone does not
STATUS_COUNT_PHRASES_VI = {"achieved": "đã đạt 100 %", "baseline": "ở năm gốc (mốc để tính tiến độ)"}


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
    text = format_percent(abs(delta)).replace(" %", " điểm %")
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
            gap = f"Còn cách mục tiêu 100 %: {format_percent(head.get('target', 100) - value).replace(' %', ' điểm %')}."
        if head.get("kind") == "yesno" and value is not None:
            gap = (f"{format_count(head.get('numerator'))}/{format_count(head.get('denominator'))} huyện báo cáo "
                   "đã có dịch vụ. " + gap)
        lines = []
        if several:
            lines = [f"{i['code']} {i.get('short_name') or i['name']}: **{format_percent(i.get('value'))}** "
                     f"({STATUS_LABELS_VI.get(i.get('status') if i.get('value') is not None else 'no_data')})"
                     for i in inds]
        cards.append({
            "group": group,
            "group_label": GROUP_LABELS_VI[group],
            "code": head["code"],
            "headline": headline,
            "value": value,
            "value_text": format_percent(value) if value is not None else charts.NO_DATA_TEXT,
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
        label = STATUS_COUNT_PHRASES_VI.get(s) or STATUS_LABELS_VI[s].lower()
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
    now = f"Kỳ gần nhất có số liệu ({last['period_label']}): **{format_percent(last['value'])}**"
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
            f"năm gốc ({format_percent(traj.get('baseline'))}).")


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
