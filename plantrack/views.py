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
from plantrack.text import fold_words
from plantrack.units import NEW_MAP, OLD_MAP, Unit, Units

STATUS_MEANING_VI = {
    "achieved": "kết quả đã bằng hoặc vượt 100 %.",
    "on_track": "đạt từ 95 % mức thay đổi cần có trở lên.",
    "needs_acceleration": "đạt từ 60 % đến dưới 95 % mức thay đổi cần có.",
    "limited_progress": "có tiến bộ nhưng dưới 60 % mức thay đổi cần có.",
    "deteriorating": "kết quả thấp hơn năm gốc.",
    "baseline": "kỳ của năm gốc: kết quả là mốc để tính tiến độ các kỳ sau, chưa có tiến độ để đánh giá.",
    "no_data": "không có đơn vị nào báo cáo chỉ tiêu này trong kỳ.",
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
            gap = (f"{format_count(head.get('numerator'))}/{format_count(head.get('denominator'))} "
                   f"{charts.unit_word(report.get('unit_level'))} báo cáo "
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
    """``"7/8 huyện đã báo cáo, 5 đúng hạn"`` (``xã, phường`` for a period after the reform)."""
    c = report.get("completeness") or {}
    word = charts.unit_word(report.get("unit_level"))
    return (f"{format_count(c.get('received', 0))}/{format_count(c.get('expected', 0))} {word} đã báo cáo, "
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


def _code(r: Mapping) -> str:
    return str(r.get("unit_code") or r.get("commune_code") or r.get("district_code") or "")


def _name(r: Mapping) -> str:
    return str(r.get("unit") or r.get("commune") or r.get("district") or _code(r))


def _matches(r: Mapping, search: str) -> bool:
    words = fold_words(search or "")
    return not words or words in fold_words(f"{_name(r)} {r.get('group') or ''}")


def state_counts(matrix: Iterable[Mapping], period: str) -> dict[str, int]:
    counts = {s: 0 for s in COMPLETENESS_LABELS_VI}
    for r in matrix:
        if r.get("period") == period and r.get("state") in counts:
            counts[r["state"]] += 1
    return counts


def with_data_only(rows: Iterable[Mapping], keep: str | None = None) -> list[Mapping]:
    """Ranking rows that have a value (and the ``keep`` province, whatever it has)."""
    return [r for r in rows if r.get("value") is not None or r.get("province_code") == keep]


def indicator_rows(plan: Plan, period_map: str | None = None) -> list[dict]:
    """The plan's indicators as a Vietnamese table; a yes/no indicator counts the units that report
    in a period on ``period_map`` (districts, or communes from 1/7/2025)."""
    word = "xã, phường" if period_map == "2025" else "huyện"
    return [{
        "Mã": i.code,
        "Nhóm": GROUP_LABELS_VI.get(i.group, i.group),
        "Chỉ tiêu": i.name,
        "Tử số (Số đạt)": f"{word.capitalize()} trả lời “Có”" if i.is_yesno else i.numerator,
        "Mẫu số (Tổng số)": f"Số {word} báo cáo" if i.is_yesno else i.denominator,
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


# --- provinces across the 2025 reform ---------------------------------------------------------

def province_name(province: Unit, units: Units) -> str:
    """``Thành phố Cần Thơ`` for today's province, ``Tỉnh Hậu Giang (cũ)`` for a former one."""
    return province.full_name + (" (cũ)" if province.map == OLD_MAP else "")


def reform_day(units: Units) -> str:
    d = units.reform_date
    return f"{d.day}/{d.month}/{d.year}"


def merger_text(province: Unit, units: Units) -> str | None:
    """``Cần Thơ (hợp nhất từ Cần Thơ, Hậu Giang, Sóc Trăng từ 1/7/2025)`` for a province of today
    formed from several; None for an unchanged or a former one."""
    preds = units.predecessors(province.code) if province.map == NEW_MAP else []
    if len(preds) < 2:
        return None
    return f"{province.name} (hợp nhất từ {', '.join(p.name for p in preds)} từ {reform_day(units)})"


def former_text(province: Unit, units: Units) -> str | None:
    """For a former province: which province of today took it in."""
    if province.map != OLD_MAP or province.code not in units.successors:
        return None
    return (f"{province.full_name} (cũ): số liệu đến 30/6/2025. Từ {reform_day(units)} thuộc "
            f"{units.successor(province.code).full_name}.")


def receiving_office(province: Unit, period_map: str | None = None) -> str:
    """Who the returns go to: Sở Y tế for today's provinces and new-map periods, Sở LĐ-TB&XH
    for a former province's periods (units.md)."""
    return "Sở Y tế" if province.map == NEW_MAP or period_map == NEW_MAP else "Sở LĐ-TB&XH"


def office_text(province: Unit) -> str:
    if province.map == NEW_MAP:
        return ("Cơ quan theo dõi: **Sở Y tế** (công tác bảo vệ trẻ em chuyển từ Sở LĐ-TB&XH sang ngành y tế "
                "từ 3/2025; báo cáo các kỳ từ 1/7/2025 do các xã, phường gửi Sở Y tế).")
    return "Cơ quan nhận báo cáo: **Sở LĐ-TB&XH** (các kỳ đến 30/6/2025, do các huyện gửi)."


def predecessor_plans(plan: Plan, province: Unit, units: Units) -> list[dict]:
    """A merged province of today: each predecessor with the plan document it followed."""
    if merger_text(province, units) is None:
        return []
    members = getattr(plan, "member_plans", {}) or {}
    rows = []
    for p in units.predecessors(province.code):
        m = members.get(p.code, plan)
        rows.append({
            "Tỉnh trước đây": units.province_label(p),
            "Kế hoạch": m.document,
            "Cơ quan ban hành": m.issuer,
            "Ngày ban hành": m.issued.strftime("%d/%m/%Y") if m.issued else "",
            "Số chỉ tiêu": len(m.indicators),
            "Tệp": f"indicators/{m.source_file}",
        })
    return rows


def predecessor_plan_lines(plan: Plan, province: Unit, units: Units) -> list[str]:
    """The sidebar's lines: ``Hậu Giang (cũ): **Kế hoạch 1960/KH-UBND**, 15/10/2020 — UBND tỉnh Hậu Giang``."""
    return [f"{r['Tỉnh trước đây']}: **{r['Kế hoạch']}**" + (f", {r['Ngày ban hành']}" if r["Ngày ban hành"] else "")
            + f" — {r['Cơ quan ban hành']}" for r in predecessor_plans(plan, province, units)]


def trajectory_note(traj: Mapping, province: Unit, units: Units) -> str | None:
    """The sentence under a merged province's trajectory: one series across the reform."""
    preds = units.predecessors(province.code) if province.map == NEW_MAP else []
    if len(preds) < 2 or traj.get("unit_level") != "province":
        return None
    names = ", ".join(units.province_label(p) for p in preds)
    return (f"Một chuỗi số liệu từ {traj['points'][0]['period_label'] if traj.get('points') else '2020'}: "
            f"đến 30/6/2025 là tổng các huyện của {names}; từ {reform_day(units)} là tổng các xã, phường của "
            f"{province.full_name}.")


# --- 100+ communes a province: grouped, searched, paged ---------------------------------------

HEATMAP_PAGE_SIZE = 30


def unit_group(entry: Mapping, units: Units) -> str:
    """The group a reporting unit is shown in: a commune's former district(s), a district's former province."""
    if entry.get("commune_code"):
        former = units.former_districts(str(entry["commune_code"]))
        if former:  # a name two former districts share is followed by its former province
            return ", ".join(units.former_district_label(d) for d in former)
        return ", ".join(entry.get("former_districts") or []) or "Không rõ huyện cũ"
    d = units.districts.get(str(entry.get("district_code") or entry.get("unit_code") or ""))
    return units.province_label(units.provinces[d.parent]) if d else ""


def heatmap_view(report: Mapping, units: Units, search: str = "", group: str | None = None,
                 page: int = 0, page_size: int = HEATMAP_PAGE_SIZE) -> dict:
    """Which units the heatmap shows, in which order, under which names.

    Units are grouped (communes by their former district, a merged province's districts by their
    former province); groups furthest behind first, and within a group the units furthest behind
    first (an indicator not reported counts as behind). ``search`` keeps units whose name or group
    holds those words, ``group`` one group; the result is cut in pages of ``page_size``.
    Returns order (codes of the page), labels, total, matched, page, pages, groups (summary rows)."""
    entries: dict[str, Mapping] = {}
    for ind in report.get("indicators") or []:
        for u in ind.get("units") or []:
            entries.setdefault(str(u.get("unit_code") or u.get("district_code")), u)
    keys = charts.unit_need_keys(report)
    groups = {c: unit_group(e, units) for c, e in entries.items()}
    members: dict[str, list[str]] = {}
    for c in entries:
        members.setdefault(groups[c], []).append(c)
    n_ind = max(1, len(report.get("indicators") or []))
    # a group's need: the share of its cells behind or not reported
    need = {g: sum(-keys[c][0] for c in cs) / (len(cs) * n_ind) for g, cs in members.items()}
    group_order = sorted(members, key=lambda g: (-need[g], fold_words(g)))
    ordered = [c for g in group_order for c in sorted(members[g], key=lambda c: keys[c])]
    several = len(members) > 1
    labels = {c: f"{_name(entries[c])} · {groups[c]}" if several else _name(entries[c]) for c in ordered}
    matched = [c for c in ordered if (group in (None, "") or groups[c] == group)
               and (not fold_words(search or "") or fold_words(search) in fold_words(labels[c]))]
    pages = max(1, -(-len(matched) // page_size))
    page = min(max(page, 0), pages - 1)
    summary = []
    for g in group_order:
        cs = members[g]
        cells = [keys[c] for c in cs]
        summary.append({
            "group": g,
            "units": len(cs),
            "not_reported": sum(1 for c in cs if all(v is None for v in _values(report, c))),
            "behind": sum(1 for k in cells if k[0] < 0),
            "share_behind": round(100 * need[g], 1),
        })
    return {"order": matched[page * page_size:(page + 1) * page_size], "all": matched, "labels": labels,
            "total": len(ordered),
            "matched": len(matched), "page": page, "pages": pages, "groups": summary, "several_groups": several,
            "unit_level": report.get("unit_level")}


def _values(report: Mapping, code: str) -> list:
    out = []
    for ind in report.get("indicators") or []:
        for u in ind.get("units") or []:
            if str(u.get("unit_code") or u.get("district_code")) == code:
                out.append(u.get("value"))
    return out


def group_summary_rows(view: Mapping) -> list[dict]:
    """The groups of ``heatmap_view`` as a Vietnamese table (furthest behind first)."""
    commune = view.get("unit_level") == "commune"
    word = charts.unit_word(view.get("unit_level"))
    return [{
        ("Huyện cũ" if commune else "Tỉnh cũ"): g["group"],
        f"Số {word}": g["units"],
        "Chưa báo cáo": g["not_reported"],
        f"Số {word} có chỉ tiêu chậm hoặc chưa báo cáo": g["behind"],
        "Tỷ lệ ô chậm hoặc chưa báo cáo (%)": g["share_behind"],
    } for g in view.get("groups") or []]


def completeness_view(matrix: Iterable[Mapping], period_map: str, search: str = "", group: str | None = None,
                      page: int = 0, page_size: int = HEATMAP_PAGE_SIZE) -> dict:
    """The completeness matrix of one map's periods (districts before the reform, communes after),
    units furthest behind first across the whole province (most reports not sent or refused —
    a unit that never reported is the furthest behind — then most sent late; ties by group and
    name), each labelled with its group, searched and paged. Returns rows (for
    charts.completeness_matrix), matched, total, page, pages, groups (names, neediest first)."""
    rows = [r for r in matrix if row_map(r) == period_map]
    bad = {"missing": 3, "refused": 3, "late": 1}
    score: dict[str, int] = {}
    groups: dict[str, str] = {}
    names: dict[str, str] = {}
    for r in rows:
        c = _code(r)
        score[c] = score.get(c, 0) + bad.get(r.get("state"), 0)
        groups[c] = r.get("group") or ""
        names[c] = _name(r)
    members: dict[str, list[str]] = {}
    for c in score:
        members.setdefault(groups[c], []).append(c)
    need = {g: sum(score[c] for c in cs) / len(cs) for g, cs in members.items()}
    group_order = sorted(members, key=lambda g: (-need[g], fold_words(g)))
    several = len(members) > 1
    label = {c: (f"{names[c]} · {groups[c]}" + (" (cũ)" if period_map == OLD_MAP else "")) if several else names[c]
             for c in score}
    # whole province, not group by group: a unit that never reported must not sit below one that
    # reported most periods just because its group does better on average
    rank = {g: i for i, g in enumerate(group_order)}
    ordered = sorted(score, key=lambda c: (-score[c], rank[groups[c]], fold_words(names[c])))
    words = fold_words(search or "")
    matched = [c for c in ordered if (group in (None, "") or groups[c] == group)
               and (not words or words in fold_words(label[c]))]
    pages = max(1, -(-len(matched) // page_size))
    page = min(max(page, 0), pages - 1)
    shown = matched[page * page_size:(page + 1) * page_size]
    position = {c: i for i, c in enumerate(shown)}
    out = sorted((dict(r, label=label[_code(r)]) for r in rows if _code(r) in position),
                 key=lambda r: position[_code(r)])
    return {"rows": out, "matched": len(matched), "total": len(ordered), "page": page, "pages": pages,
            "groups": group_order, "several_groups": several}


def row_map(r: Mapping) -> str:
    """The map of a completeness row's unit."""
    return r.get("map") or (NEW_MAP if r.get("commune_code") else OLD_MAP)


def completeness_by_group(matrix: Iterable[Mapping], period: str) -> list[dict]:
    """Per group (former district), the units of a period by report state; most not sent first."""
    counts: dict[str, dict] = {}
    for r in matrix:
        if r.get("period") != period or r.get("state") not in COMPLETENESS_LABELS_VI:
            continue
        g = counts.setdefault(r.get("group") or "Không rõ", {"group": r.get("group") or "Không rõ",
                                                             **{s: 0 for s in COMPLETENESS_LABELS_VI}})
        g[r["state"]] += 1
    return sorted(counts.values(), key=lambda g: (-(g["missing"] + g["refused"]), -g["late"], fold_words(g["group"])))


def lineage_text(unit: Unit, units: Units) -> str:
    """Below the province there is no continuity (units.md): a district's page names the communes
    that now cover it, wholly or in part; a commune's page names its former district(s)."""
    if unit.level == "district":
        covering = units.communes_covering(unit.code)
        if not covering:
            return f"Không tìm thấy xã, phường hiện nay nào trên địa bàn {unit.full_name} cũ."
        whole = [c.full_name for c, w in covering if w]
        part = [c.full_name for c, w in covering if not w]
        successor = units.successor(unit.parent)
        text = (f"Từ {reform_day(units)} {unit.full_name} không còn; địa bàn thuộc {len(covering)} xã, phường của "
                f"{successor.full_name}")
        text += f": nằm trọn trong huyện: {', '.join(whole)}" if whole else ""
        text += (";" if whole else ":") + f" một phần: {', '.join(part)}" if part else ""
        return text + ". Số liệu không được chia hay ước tính lại giữa huyện và xã."
    if unit.level == "commune":
        former = units.former_districts(unit.code)
        if not former:
            return f"{unit.full_name} không có huyện cũ trong bảng chuyển đổi."
        names = ", ".join(f"{d.full_name} ({units.provinces[d.parent].name} cũ)" for d in former)
        return (f"{unit.full_name} thành lập từ {reform_day(units)}, trên địa bàn của {names}. Các kỳ trước đó do "
                "huyện cũ báo cáo; số liệu của huyện cũ không được chia cho xã.")
    return ""


def detail_unit_index(choices: list[str], own: Unit | None, units: Units) -> int:
    """Which of ``choices`` (unit codes, slowest first) the district page's detail opens on: an
    officer's own unit; across the reform, the officer's former district (a commune's officer on a
    district period) or the slowest commune now covering their district (a district's officer on a
    commune period); otherwise, and for everyone else, the slowest unit (the first)."""
    if own is None:
        return 0
    related = [own.code]
    if own.level == "commune":
        related += [d.code for d in units.former_districts(own.code)]
    elif own.level == "district":
        related += [c.code for c, _ in units.communes_covering(own.code)]
    return next((i for i, code in enumerate(choices) if code in related), 0)


# --- an officer's own unit ("Đơn vị của tôi") ---------------------------------------------

_ON_TIME_VI = {True: "Đúng hạn", False: "Trễ hạn"}


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _stamp(value) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def my_unit_view(duties: Iterable, figures: Iterable[Mapping], next_duty=None) -> dict:
    """An officer's unit as the page draws it, from ``officer.unit_duties`` / ``unit_figures``:

    - ``duties``: one row per period, newest first (period, due date, where it stands, days left
      or overdue, the versions received);
    - ``received``: every accepted version (period, version, when, on time or late);
    - ``refused``: per refused file, newest first, its period, name, time, receipt and errors
      (dicts as ``history.receipt_issues`` gives them);
    - ``figures``: the unit's latest value of each indicator against its target (one decimal);
    - ``next``: the period to fill next (a sentence), or None."""
    duties = list(duties)
    duty_rows, received, refused = [], [], []
    for d in duties:
        duty_rows.append({
            "Kỳ báo cáo": d.period.label, "Hạn nộp": _date(d.period.due), "Tình trạng": d.state_label,
            "Còn / quá hạn": d.days_text,
            "Đã nhận": ", ".join(f"phiên bản {v['version']}" for v in d.versions) or "—",
        })
        for v in d.versions:
            received.append({"Kỳ báo cáo": d.period.label, "Phiên bản": v["version"],
                             "Ngày nhận": _stamp(v["received_at"]),
                             "Đúng hạn?": _ON_TIME_VI.get(bool(v.get("on_time")), "")})
        for r in d.refused:
            refused.append({"period": d.period.code, "period_label": d.period.label, "receipt": r,
                            "filename": r.get("filename") or "", "when": _stamp(r.get("received_at")),
                            "issues": list(r.get("issues") or [])})
    figure_rows = [{
        "Chỉ tiêu": f"{f['code']} — {f['short_name']}",
        "Kỳ gần nhất": f.get("period_label") or "chưa báo cáo",
        "Kết quả": format_percent(f.get("value"), 1),
        "Chỉ tiêu phải đạt": f"{format_percent(f.get('target'), 1)} năm {f.get('target_year')}",
        "Trạng thái": STATUS_LABELS_VI.get(f.get("status") or "no_data", f.get("status") or ""),
    } for f in figures]
    sentence = None
    if next_duty is not None:
        sentence = (f"Kỳ cần nộp tiếp theo: **{next_duty.period.label}**, hạn nộp "
                    f"{_date(next_duty.period.due)} ({next_duty.days_text}; {next_duty.state_label.lower()}).")
    return {"duties": duty_rows, "received": received, "refused": refused, "figures": figure_rows,
            "next": sentence}


def search_chase(rows: Iterable[Mapping], search: str = "") -> list[Mapping]:
    """The chase list's rows (``chase.chase_list``) whose unit or group holds the searched words."""
    return [r for r in rows if _matches(r, search)]


# --- a phone's view of the heatmaps (issue 10): a list sortable by its column headers ----------

def heatmap_list_rows(report: Mapping, view: Mapping) -> list[dict]:
    """The units of a ``heatmap_view`` page as table rows for a narrow screen, where a units ×
    indicators heatmap cannot be read: one row per unit in the heatmap's order (furthest behind
    first), ``Chậm``: how many indicators it is behind on or did not report, ``Thứ tự`` (1 = the
    furthest behind of all matched units), then each indicator's result as text ("52,5 %", "Có",
    "Chưa báo cáo").
    The unit comes first (a page pins it while the indicators scroll)."""
    word = charts.unit_word(view.get("unit_level"))
    indicators = list(report.get("indicators") or [])
    cells: dict[str, dict[str, str]] = {}
    for ind in indicators:
        for u in ind.get("units") or []:
            value = u.get("value")
            if value is None:
                text = charts.NOT_REPORTED_TEXT
            elif ind.get("kind") == "yesno":
                text = "Có" if value >= 100 else "Không"
            else:
                text = format_percent(value)
            cells.setdefault(str(u.get("unit_code") or u.get("district_code")), {})[ind.get("code", "")] = text
    keys = charts.unit_need_keys(report)
    rank = {c: n for n, c in enumerate(view.get("all") or view.get("order") or [], start=1)}
    labels = view.get("labels") or {}
    return [{
        word.capitalize(): labels.get(c, c),
        "Chậm": -keys[c][0] if c in keys else None,  # indicators behind or not reported (a phone's short heading)
        "Thứ tự": rank.get(c),
        **{ind.get("code", ""): cells.get(c, {}).get(ind.get("code", ""), charts.NOT_REPORTED_TEXT)
           for ind in indicators},
    } for c in view.get("order") or []]


def completeness_list_rows(rows: Iterable[Mapping]) -> list[dict]:
    """The rows of a ``completeness_view`` page as a table for a narrow screen: one row per unit in
    the given order (furthest behind first), its reports not sent or refused, sent late, then its
    state in each period, newest period first (the one being chased). The unit comes first (a page
    pins it while the periods scroll), then ``Thứ tự`` (1 = furthest behind), ``Thiếu`` (reports not
    sent or refused) and ``Trễ`` (sent late)."""
    rows = [r for r in rows if r.get("state") in COMPLETENESS_LABELS_VI]
    units: dict[str, dict] = {}
    periods: dict[str, str] = {}
    commune = False
    for r in rows:
        c = _code(r)
        commune = commune or bool(r.get("commune_code"))
        periods.setdefault(str(r["period"]), r.get("period_label") or charts.period_label(str(r["period"])))
        u = units.setdefault(c, {"label": r.get("label") or _name(r), "states": {}})
        u["states"][str(r["period"])] = r["state"]
    newest_first = sorted(periods, key=lambda p: charts.period_t(p) or 0, reverse=True)
    word = charts.unit_word("commune" if commune else "district")
    out = []
    for n, (c, u) in enumerate(units.items(), start=1):
        states = u["states"]
        out.append({
            word.capitalize(): u["label"],
            "Thứ tự": n,
            "Thiếu": sum(s in ("missing", "refused") for s in states.values()),  # not sent or refused
            "Trễ": sum(s == "late" for s in states.values()),
            **{periods[p]: COMPLETENESS_LABELS_VI[states[p]] if p in states else "" for p in newest_first},
        })
    return out


def issue_lines(rows: Iterable[Mapping]) -> str:
    """The rows of ``annotate.issue_rows`` as a Markdown list for a narrow screen, where a table's
    message column would sit off to the right: ``- **Ô F11** (trang BaoCao) · CT01 …: message``.
    Every part may quote the file (a sheet name, a cell's text in a message): it is escaped, so
    it reads as text and never as Markdown."""
    from plantrack.annotate import COL_CELL, COL_INDICATOR, COL_KIND, COL_MESSAGE, COL_SHEET
    from plantrack.plain import markdown_text

    lines = []
    for r in rows:
        if r.get(COL_CELL):
            where = [f"**Ô {markdown_text(r[COL_CELL])}**"]
            if r.get(COL_SHEET):
                where.append(f"(trang {markdown_text(r[COL_SHEET])})")
        else:  # the issue is about a sheet, or the whole file
            where = [f"**Trang {markdown_text(r[COL_SHEET])}**" if r.get(COL_SHEET) else "**Cả tệp**"]
        head = " ".join(where) + (f" · {markdown_text(r[COL_INDICATOR])}" if r.get(COL_INDICATOR) else "")
        kind = f" *({markdown_text(r[COL_KIND])})*" if r.get(COL_KIND) else ""
        lines.append(f"- {head}: {markdown_text(r.get(COL_MESSAGE) or '')}{kind}")
    return "\n".join(lines)
