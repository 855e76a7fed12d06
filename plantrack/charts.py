"""Pure plotly figure builders for the plantrack dashboard.

Data in, figure out: every builder takes the plain dicts/lists produced by the
engine and returns a ``plotly.graph_objects.Figure``.  No streamlit, no
database.  All text is Vietnamese, numbers use the Vietnamese convention
(decimal comma, thousands dot) and every percentage axis shows the 100 %
target.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from plantrack.plans import parse_period

__all__ = [
    "STATUS_ORDER",
    "STATUS_COLORS",
    "STATUS_LABELS_VI",
    "GROUP_LABELS_VI",
    "COMPLETENESS_ORDER",
    "COMPLETENESS_COLORS",
    "COMPLETENESS_LABELS_VI",
    "TARGET_LABEL",
    "NO_DATA_TEXT",
    "NOT_REPORTED_TEXT",
    "format_percent",
    "format_count",
    "period_t",
    "period_label",
    "HEATMAP_ORDER",
    "districts_by_need",
    "progress_bars",
    "trajectory_chart",
    "district_heatmap",
    "province_ranking",
    "completeness_matrix",
    "completeness_groups",
]

# --------------------------------------------------------------------------- #
# Vocabulary
# --------------------------------------------------------------------------- #

STATUS_ORDER = [
    "achieved",
    "on_track",
    "needs_acceleration",
    "limited_progress",
    "deteriorating",
    "baseline",
    "no_data",
]

# Okabe–Ito palette: stays distinct under deuteranopia/protanopia; the
# sequence runs green → blue → yellow → orange → vermillion (good → bad) and
# "no data" is a neutral grey that reads as "absent", not as a value.
STATUS_COLORS: dict[str, str] = {
    "achieved": "#009E73",  # bluish green
    "on_track": "#56B4E9",  # sky blue
    "needs_acceleration": "#F0E442",  # yellow
    "limited_progress": "#E69F00",  # orange
    "deteriorating": "#D55E00",  # vermillion
    "no_data": "#BDBDBD",  # neutral grey
    "baseline": "#4D4D4D",  # dark grey: the plan's first year, a value with no progress to judge yet
}

STATUS_LABELS_VI = {
    "achieved": "Đã đạt",
    "on_track": "Đúng tiến độ",
    "needs_acceleration": "Cần đẩy nhanh",
    "limited_progress": "Tiến triển hạn chế",
    "deteriorating": "Đi xuống",
    "no_data": "Chưa có số liệu",
    "baseline": "Năm gốc",
}

GROUP_LABELS_VI = {
    "families": "Gia đình",
    "students": "Học sinh",
    "staff": "Cán bộ",
    "facilities": "Cơ sở",
    "children": "Trẻ em",
    "districts": "Địa phương",  # CT08: districts before 1/7/2025, communes after
}

COMPLETENESS_ORDER = ["on_time", "late", "missing", "refused"]
COMPLETENESS_COLORS = {
    "on_time": "#009E73",  # bluish green
    "late": "#F0E442",  # yellow
    "missing": "#D55E00",  # vermillion
    "refused": "#CC79A7",  # reddish purple
}
COMPLETENESS_LABELS_VI = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "missing": "Chưa nộp",
    "refused": "Bị từ chối",
}

TARGET = 100.0
TARGET_LABEL = "Mục tiêu 100 %"
NO_DATA_TEXT = "Chưa có số liệu"
NOT_REPORTED_TEXT = "Chưa báo cáo"

FONT_FAMILY = "Noto Sans, DejaVu Sans, Arial, sans-serif"
SEPARATORS = ",."  # decimal comma, thousands dot
TEMPLATE = "plotly_white"
TARGET_LINE_COLOR = "#333333"
ACTUAL_LINE_COLOR = "#1F3B57"
PATH_LINE_COLOR = "#7F7F7F"

# Heatmap cell text for a district that did not report (two lines: fits a
# narrow cell).
_NOT_REPORTED_CELL = NOT_REPORTED_TEXT.replace(" ", "<br>", 1)

# Statuses counted as "behind" when ranking districts (worst first).
_BEHIND = ("deteriorating", "limited_progress")

# --------------------------------------------------------------------------- #
# Formatting
# --------------------------------------------------------------------------- #


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _vi_number(v: float, decimals: int) -> str:
    """``1234567.5`` → ``"1.234.567,50"`` (Vietnamese separators)."""
    s = f"{v:,.{decimals}f}"  # 1,234,567.50
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# One rounding rule: one decimal on screen (cards, bar labels, hovers, tables), two in exports and
# JSON (measure rounds values to two; export.py writes them with a two-decimal number format).
SCREEN_DECIMALS = 1
EXPORT_DECIMALS = 2


def format_percent(v: float | None, decimals: int = SCREEN_DECIMALS) -> str:
    """The screen's percentage: ``90.26`` → ``"90,3 %"``; ``None``/NaN → ``"—"``.

    ``decimals`` is for the few places that are not the screen's rule: a round target (0) or a
    text report (EXPORT_DECIMALS)."""
    if _is_missing(v):
        return "—"
    return f"{_vi_number(float(v), decimals)} %"


def format_count(n: int | float | None) -> str:
    """``12400`` → ``"12.400"``; ``None``/NaN → ``"—"``."""
    if _is_missing(n):
        return "—"
    return _vi_number(round(float(n)), 0)


def period_t(period: str) -> float | None:
    """Period code → time: ``"2023"`` → 2023.0, ``"2023H1"`` → 2022.5."""
    p = parse_period(period)
    return p.t if p else None


def period_label(period: str) -> str:
    """Short axis label: ``"2023"`` → ``"2023"``, ``"2023H1"`` → ``"6T/2023"``."""
    p = parse_period(period)
    return p.short_label if p else str(period)


def _year(t: float) -> str:
    """Fractional year without thousands dot: ``2027.4`` → ``"2027,4"``, ``2026.0`` → ``"2026"``."""
    return str(int(t)) if float(t).is_integer() else f"{t:.1f}".replace(".", ",")


def _wrap(text: str, width: int) -> str:
    """Wrap long text for plotly (which only breaks on ``<br>``)."""
    return "<br>".join(textwrap.wrap(str(text), width)) or ""


def _status(s: Any) -> str:
    return s if s in STATUS_COLORS else "no_data"


# --------------------------------------------------------------------------- #
# Shared figure helpers
# --------------------------------------------------------------------------- #


def _height(n_rows: int, per_row: int = 34, base: int = 190, minimum: int = 320) -> int:
    return max(minimum, base + per_row * max(n_rows, 0))


# One figure serves a 1400 px desktop and a 390 px phone (Streamlit does not tell the server the
# window's width): plotly never wraps a title, so titles are wrapped here to what a phone's
# ~350 px chart holds, and the top margin grows with their lines.
TITLE_CHARS = 36  # the title's lines (17 px)
SUBTITLE_CHARS = 46  # the subtitle's (<sup>, smaller)


def _pack(text: str, width: int, sep: str = " · ") -> list[str]:
    """Lines of at most ``width`` characters, broken between ``sep``-separated items where one
    can ("Đúng hạn: 4 · Trễ hạn: 2" never splits "Trễ hạn"), else between words."""
    lines: list[str] = []
    for item in text.split(sep):
        if lines and len(lines[-1]) + len(sep) + len(item) <= width:
            lines[-1] += sep + item
        else:
            lines += textwrap.wrap(item, width) or [""]
    return lines


def _phone_title(title: str) -> str:
    """``"Title<br><sup>subtitle</sup>"`` with each part wrapped for a phone's width."""
    head, _, rest = title.partition("<br>")
    lines = [_wrap(head, TITLE_CHARS) if "<" not in head else head]
    for part in rest.split("<br>") if rest else []:
        inner = part.removeprefix("<sup>").removesuffix("</sup>")
        if part.startswith("<sup>") and "<" not in inner:
            lines += [f"<sup>{line}</sup>" for line in _pack(inner, SUBTITLE_CHARS)]
        else:
            lines.append(part)
    return "<br>".join(lines)


def _base_layout(fig: go.Figure, title: str, height: int, **extra: Any) -> go.Figure:
    title = _phone_title(title)
    lines = title.count("<br>") + 1
    fig.update_layout(
        template=TEMPLATE,
        separators=SEPARATORS,
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=17)),
        font=dict(family=FONT_FAMILY, size=13, color="#222222"),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=13)),
        height=height + 20 * max(0, lines - 2),
        margin=dict(l=10, r=14, t=max(90, 40 + 22 * lines), b=20),
        # Legend under the plot, in the figure's own space, so it never runs
        # into a long (two-line) title whatever the number of legend rows.
        legend=dict(
            orientation="h", yref="container", yanchor="bottom", y=0.0,
            xref="paper", x=0, xanchor="left", title=None, traceorder="normal",
        ),
        **extra,
    )
    return fig


def _empty_figure(title: str, message: str = NO_DATA_TEXT) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper",
        showarrow=False, font=dict(size=16, color="#666666"),
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, title, 320)


def _add_target_vline(fig: go.Figure) -> None:
    fig.add_vline(
        x=TARGET, line=dict(color=TARGET_LINE_COLOR, width=2, dash="dash"),
        annotation_text=TARGET_LABEL, annotation_position="top left",  # ends at the line: never past the edge
        annotation_font=dict(size=12, color=TARGET_LINE_COLOR),
    )


def _add_target_hline(fig: go.Figure) -> None:
    fig.add_hline(
        y=TARGET, line=dict(color=TARGET_LINE_COLOR, width=2, dash="dash"),
        annotation_text=TARGET_LABEL, annotation_position="top left",
        annotation_font=dict(size=12, color=TARGET_LINE_COLOR),
    )


def _percent_range(values: Iterable[float | None], headroom: float = 1.12) -> list[float]:
    top = max([TARGET] + [float(v) for v in values if not _is_missing(v)])
    return [0, top * headroom]


def _status_bars(
    fig: go.Figure,
    labels: Sequence[str],
    values: Sequence[float | None],
    statuses: Sequence[str],
    hovers: Sequence[str],
    labels_above: bool = False,
) -> None:
    """Horizontal bars, one trace per status (legend = Vietnamese status).

    Rows without data (``value is None``; callers give them status
    ``no_data``) get ``x=None`` — an empty row, never a zero bar — plus a grey
    "Chưa có số liệu" label at the start of the row.

    ``labels_above``: each row's label is written above its bar, left-aligned, instead of
    beside it, so that long labels do not squeeze the bars into a phone's last 100 px.
    """
    for status in STATUS_ORDER:
        idx = [i for i, s in enumerate(statuses) if s == status]
        if not idx:
            continue
        xs = [values[i] for i in idx]
        fig.add_trace(
            go.Bar(
                orientation="h",
                name=STATUS_LABELS_VI[status],
                legendgroup=status,
                x=xs,
                y=[labels[i] for i in idx],
                marker=dict(color=STATUS_COLORS[status], line=dict(color="#555555", width=0.5)),
                text=[format_percent(x) if x is not None else "" for x in xs],
                # Inside at the bar's base (clear of the required-trajectory
                # marker near the bar's end); outside when the bar is too short.
                textposition="auto",
                insidetextanchor="start",
                cliponaxis=False,
                hovertext=[hovers[i] for i in idx],
                hovertemplate="%{hovertext}<extra></extra>",
                meta=status,
            )
        )
    for label, value in zip(labels, values):
        if value is None:
            fig.add_annotation(
                x=0, y=label, xref="x", yref="y", text=NO_DATA_TEXT, showarrow=False,
                xanchor="left", font=dict(color="#6B6B6B", size=12, style="italic"),
            )
        if labels_above:
            fig.add_annotation(
                x=0, y=label, xref="paper", yref="y", text=label, showarrow=False, align="left",
                xanchor="left", yanchor="bottom", yshift=LABEL_SHIFT, font=dict(size=11), name="row-label",  # 55 characters fit a phone
            )
    fig.update_yaxes(
        categoryorder="array", categoryarray=list(labels), autorange="reversed",
        title=None, automargin=True, showticklabels=not labels_above,
    )
    # a few round ticks that a phone's width holds unrotated (0 %, 20 %, … 100 %)
    fig.update_xaxes(nticks=7, tickangle=0, automargin=True)


# bars with their label above: a row is the label's line (yshift above the bar's centre) and the bar
LABEL_ROW = 64  # px per row
LABEL_BARGAP = 0.5  # the bar fills half of its row
LABEL_SHIFT = round(LABEL_ROW * (1 - LABEL_BARGAP) / 2)  # from the row's centre to the bar's top


def _categorical_colorscale(colors: Sequence[str]) -> list[list[Any]]:
    """Stepped colorscale so integer code *i* is painted exactly ``colors[i]``."""
    n = len(colors)
    scale: list[list[Any]] = []
    for i, c in enumerate(colors):
        scale.append([i / n, c])
        scale.append([(i + 1) / n, c])
    return scale


def _categorical_heatmap(
    fig: go.Figure,
    z: list[list[int | None]],
    x: Sequence[str],
    y: Sequence[str],
    text: list[list[str]],
    hovertext: list[list[str]],
    colors: Sequence[str],
    labels: Sequence[str],
    xtickvals: Sequence[str] | None = None,
) -> None:
    n = len(colors)
    fig.add_trace(
        go.Heatmap(
            z=z, x=list(x), y=list(y), text=text, texttemplate="%{text}",
            textfont=dict(size=11),
            hovertext=hovertext, hovertemplate="%{hovertext}<extra></extra>",
            colorscale=_categorical_colorscale(colors), zmin=-0.5, zmax=n - 0.5,
            xgap=2, ygap=2, hoverongaps=False,
            colorbar=dict(
                tickvals=list(range(n)), ticktext=list(labels), thickness=14,
                len=min(1.0, max(0.4, 0.08 * n + 0.1)), yanchor="top", y=1, outlinewidth=0,
            ),
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True, title=None, showgrid=False)
    fig.update_xaxes(side="top", automargin=True, showgrid=False, type="category")
    if xtickvals is not None:
        fig.update_xaxes(tickvals=list(x), ticktext=list(xtickvals))


# --------------------------------------------------------------------------- #
# 1. Progress bars: every indicator of one province vs the 100 % target
# --------------------------------------------------------------------------- #


def _indicator_label(ind: Mapping[str, Any]) -> str:
    """``<b>CT01</b> Gia đình được cung cấp kiến thức BVTE``: one line, written above the bar."""
    name = ind.get("short_name") or ind.get("name") or ""
    return f"<b>{ind.get('code', '')}</b> {name}" if name else f"<b>{ind.get('code', '')}</b>"


def _indicator_hover(ind: Mapping[str, Any]) -> str:
    code = ind.get("code", "")
    lines = [f"<b>{code}</b> {_wrap(ind.get('name') or ind.get('short_name') or '', 60)}"]
    group = GROUP_LABELS_VI.get(ind.get("group"))
    if group:
        lines.append(f"Nhóm: {group}")
    lines.append(f"Kết quả: <b>{format_percent(ind.get('value'))}</b>")
    num, den = ind.get("numerator"), ind.get("denominator")
    if ind.get("kind") == "yesno":
        lines.append(f"Số đơn vị trả lời “Có”: {format_count(num)} / {format_count(den)}")
    else:
        lines.append(f"Tử số: {format_count(num)}")
        lines.append(f"Mẫu số: {format_count(den)}")
    if not _is_missing(ind.get("required")):
        lines.append(f"Cần đạt theo lộ trình: {format_percent(ind.get('required'))}")
    if not _is_missing(ind.get("previous_value")):
        lines.append(f"Kỳ trước: {format_percent(ind.get('previous_value'))}")
    if ind.get("units_total") is not None:
        lines.append(
            f"Đơn vị đã báo cáo: {format_count(ind.get('units_reported'))}/{format_count(ind.get('units_total'))}"
        )
    lines.append(f"Trạng thái: {STATUS_LABELS_VI[_status(ind.get('status'))]}")
    return "<br>".join(lines)


def _ind_status(ind: Mapping[str, Any]) -> str:
    return "no_data" if _is_missing(ind.get("value")) else _status(ind.get("status"))


def progress_bars(report: Mapping[str, Any]) -> go.Figure:
    """Every indicator's value (bar, coloured by status) vs the 100 % target."""
    where = ", ".join(
        str(p) for p in (report.get("province"), report.get("period_label") or report.get("period")) if p
    )
    title = "Các chỉ tiêu so với mục tiêu 100 %" + (f"<br><sup>{where}</sup>" if where else "")  # one line on a phone
    indicators = list(report.get("indicators") or [])
    if not indicators:
        return _empty_figure(title)

    fig = go.Figure()
    labels = [_indicator_label(i) for i in indicators]
    values = [None if _is_missing(i.get("value")) else float(i["value"]) for i in indicators]
    _status_bars(fig, labels, values, [_ind_status(i) for i in indicators],
                 [_indicator_hover(i) for i in indicators], labels_above=True)

    req = [(lab, float(i["required"])) for lab, i in zip(labels, indicators) if not _is_missing(i.get("required"))]
    if req:
        fig.add_trace(
            go.Scatter(
                x=[r for _, r in req], y=[lab for lab, _ in req], mode="markers",
                name="Mức cần đạt theo lộ trình",
                marker=dict(symbol="line-ns", size=22, line=dict(width=3, color="#000000"), color="#000000"),
                hovertemplate=f"Cần đạt theo lộ trình: %{{x:.{SCREEN_DECIMALS}f}} %<extra></extra>",
            )
        )
    _add_target_vline(fig)
    fig.update_xaxes(
        range=_percent_range(values + [r for _, r in req]), title="Tỷ lệ đạt được (%)",
        ticksuffix=" %", zeroline=True, zerolinecolor="#999999",
    )
    # half a row free above the first row: its label stays clear of the "Mục tiêu 100 %" above the plot
    fig.update_yaxes(autorange=False, range=[len(labels) - 0.5, -1.0])
    return _base_layout(fig, title, _height(len(indicators), per_row=LABEL_ROW, base=300), barmode="overlay",
                        bargap=LABEL_BARGAP)


# --------------------------------------------------------------------------- #
# 2. Trajectory: one unit, one indicator, over time
# --------------------------------------------------------------------------- #

_PROJECTION_HORIZON = 10  # years past the target year shown at most


def _add_projection(
    fig: go.Figure, ts: Sequence[float], ys: Sequence[float | None], proj: Any,
    target: float, target_year: Any, tick_t: dict[float, str],
) -> float | None:
    """Dotted line at the current pace from the last observed value to 100 %.

    Drawn only when the unit is still below target and a projection year
    after its last observation is given; cut at ``target_year + 10`` so a
    very slow pace does not squash the chart.  Adds whole-year ticks up to
    the line's end into ``tick_t`` and returns the end's x (or None).
    """
    last = next(((t, y) for t, y in zip(reversed(ts), reversed(ys)) if y is not None), None)
    if last is None or _is_missing(proj) or float(proj) <= last[0] or last[1] >= target:
        return None
    proj = float(proj)
    end_t = min(proj, float(target_year or last[0]) + _PROJECTION_HORIZON)
    end_y = last[1] + (target - last[1]) * (end_t - last[0]) / (proj - last[0])
    fig.add_trace(
        go.Scatter(
            x=[last[0], end_t], y=[last[1], end_y], mode="lines",
            # the year whose annual report first shows the target reached (as the trajectory page says)
            name=f"Dự báo theo tốc độ hiện tại: {format_percent(target, 0)} năm {math.ceil(proj - 1e-9)}",
            line=dict(color=ACTUAL_LINE_COLOR, width=2, dash="dot"),
            hovertemplate=f"Dự báo: %{{y:.{SCREEN_DECIMALS}f}} %<extra></extra>",
        )
    )
    for yr in range(math.ceil(min(tick_t, default=end_t)), math.ceil(end_t) + 1):
        tick_t.setdefault(float(yr), str(yr))
    return end_t


REFORM_LINE_COLOR = "#6A3D9A"
MAX_PERIOD_TICKS = 8  # more periods than this: only the years are named on the time axis…
MAX_YEAR_LABELS = 6  # …and no more than this many of them (every other year), level on a phone


def reform_label(reform: Mapping[str, Any] | None) -> str:
    """``"1/7/2025: sáp nhập tỉnh, xã báo cáo thay huyện"`` from the reform's ISO date."""
    date = str((reform or {}).get("date") or "2025-07-01")
    try:
        y, m, d = (int(x) for x in date.split("-"))
        date = f"{d}/{m}/{y}"
    except ValueError:
        pass
    return f"{date}: sáp nhập tỉnh, xã báo cáo thay huyện"


def _add_reform_vline(fig: go.Figure, reform: Mapping[str, Any] | None) -> None:
    """The 2025 reform between the last district return and the first commune return."""
    if not reform or reform.get("t") is None:
        return
    fig.add_vline(
        x=float(reform["t"]), line=dict(color=REFORM_LINE_COLOR, width=2, dash="dot"),
        annotation_text=_wrap(reform_label(reform), 22), annotation_position="bottom left",  # fits a phone
        annotation_font=dict(size=12, color=REFORM_LINE_COLOR), annotation_bgcolor="rgba(255,255,255,0.85)",
    )


def trajectory_chart(traj: Mapping[str, Any]) -> go.Figure:
    """Actual values vs the linear path from baseline to 100 % in the target year."""
    code, unit = traj.get("code", ""), traj.get("unit", "")
    target = float(traj.get("target") or TARGET)
    target_year = traj.get("target_year")
    head = " — ".join(str(p) for p in (code, unit) if p)
    title = f"{head}: thực hiện so với lộ trình đạt {format_percent(target, 0)}" + (
        f" năm {target_year}" if target_year else ""
    )
    if traj.get("name"):
        title += f"<br><sup>{traj['name']}</sup>"  # wrapped with the title (_phone_title)

    points = sorted(
        (p for p in traj.get("points") or [] if p.get("t") is not None or period_t(p.get("period", "")) is not None),
        key=lambda p: p.get("t") if p.get("t") is not None else period_t(p["period"]),
    )
    baseline, base_year = traj.get("baseline"), traj.get("baseline_year")
    if not points and _is_missing(baseline):
        return _empty_figure(title)

    fig = go.Figure()
    ts = [float(p["t"]) if p.get("t") is not None else period_t(p["period"]) for p in points]
    ys = [None if _is_missing(p.get("value")) else float(p["value"]) for p in points]
    tick_t = {t: period_label(p.get("period", "")) for t, p in zip(ts, points)}

    # Required path: baseline → target in target year.
    has_path = not _is_missing(baseline) and base_year is not None and target_year is not None
    if has_path and float(target_year) != float(base_year):
        slope = (target - float(baseline)) / (float(target_year) - float(base_year))
    else:
        slope = None
    if has_path:
        fig.add_trace(
            go.Scatter(
                x=[float(base_year), float(target_year)], y=[float(baseline), target], mode="lines",
                name="Lộ trình cần đạt", line=dict(color=PATH_LINE_COLOR, width=2, dash="dash"),
                hovertemplate=f"Lộ trình cần đạt: %{{y:.{SCREEN_DECIMALS}f}} %<extra></extra>",
            )
        )
        tick_t.setdefault(float(base_year), str(base_year))
        tick_t.setdefault(float(target_year), str(target_year))

    statuses = [p.get("status") if p.get("status") in STATUS_COLORS else "no_data" for p in points]
    fig.add_trace(
        go.Scatter(
            x=ts, y=ys, mode="lines+markers+text", name=f"Thực hiện ({unit})" if unit else "Thực hiện",
            connectgaps=False,
            line=dict(color=ACTUAL_LINE_COLOR, width=3),
            marker=dict(size=11, color=[STATUS_COLORS[s] for s in statuses],
                        line=dict(color=ACTUAL_LINE_COLOR, width=1.5)),
            text=[format_percent(y, 1) if y is not None else "" for y in ys],
            # Label on the side away from the required path, so they never cross.
            textposition=[
                "bottom center" if slope is not None and y is not None
                and y < float(baseline) + slope * (t - float(base_year)) else "top center"
                for t, y in zip(ts, ys)
            ],
            textfont=dict(size=11),
            hovertext=[
                f"{tick_t[t]}: <b>{format_percent(y)}</b><br>{STATUS_LABELS_VI.get(s, s)}"
                for t, y, s in zip(ts, ys, statuses)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )

    end_t = _add_projection(fig, ts, ys, traj.get("projection_year"), target, target_year, tick_t)
    x_max = max([*ts, float(target_year or 0), end_t or 0])
    _add_target_hline(fig)
    _add_reform_vline(fig, traj.get("reform"))
    tickvals = sorted(tick_t)
    fig.update_xaxes(title="Kỳ báo cáo", showgrid=True, tickangle=0)
    if tickvals:
        # many periods: the half-years keep their grid line but only the years are named, so the
        # labels stay level and apart on a phone (a point's hover names its period)
        crowded = len(tickvals) > MAX_PERIOD_TICKS
        years = [t for t in tickvals if float(t).is_integer()]
        step = max(1, math.ceil(len(years) / MAX_YEAR_LABELS)) if crowded else 1
        anchor = float(target_year) if target_year is not None and float(target_year) in years else years[0]
        named = {t for t in years if int(t - anchor) % step == 0} if crowded else set(tickvals)  # the target year's
        fig.update_xaxes(
            tickmode="array", tickvals=tickvals,
            ticktext=[tick_t[t] if t in named else "" for t in tickvals],
            range=[min(tickvals) - 0.3, x_max + 0.3],
        )
    fig.update_yaxes(range=[0, max(_percent_range(ys, 1.1)[1], 110)], title="Tỷ lệ (%)", ticksuffix=" %")
    return _base_layout(fig, title, 500, hovermode="closest")


# --------------------------------------------------------------------------- #
# 3. District heatmap: districts × indicators coloured by status
# --------------------------------------------------------------------------- #


def _district_sort_key(cells: Sequence[tuple[str, float | None]], name: str) -> tuple:
    """Worst first: most cells behind — an indicator not reported counts as behind — then most
    going backwards, then the lowest mean value."""
    statuses = [s for s, _ in cells]
    vals = [v for _, v in cells if v is not None]
    mean = sum(vals) / len(vals) if vals else -math.inf
    return (
        -sum(s in _BEHIND or s == "no_data" for s in statuses),
        -statuses.count("deteriorating"),
        mean,
        name,
    )


def _district_grid(report: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[tuple[str, float | None]]]]:
    """District names by code, and (status, value) per district × indicator (absent = no_data)."""
    indicators = [i for i in report.get("indicators") or []]
    districts: dict[str, str] = {}
    for ind in indicators:
        for u in ind.get("units") or []:
            districts.setdefault(_unit_code(u), u.get("unit") or u.get("district") or u.get("commune") or _unit_code(u))
    grid: dict[str, list[tuple[str, float | None]]] = {d: [] for d in districts}
    for ind in indicators:
        by_code = {_unit_code(u): u for u in ind.get("units") or []}
        for d in districts:
            u = by_code.get(d) or {}
            v = None if _is_missing(u.get("value")) else float(u["value"])
            grid[d].append(("no_data" if v is None else _status(u.get("status")), v))
    return districts, grid


def _unit_code(u: Mapping[str, Any]) -> str:
    """A report row's unit: ``unit_code`` (districts and communes alike), else ``district_code``."""
    return str(u.get("unit_code") or u.get("district_code") or u.get("commune_code"))


def _cell_text(value: float, kind: str | None) -> str:
    """A district's cell: its percentage, or its yes/no answer for a yes/no indicator (CT08)."""
    if kind == "yesno":
        return "Có" if value >= 100 else "Không"
    return format_percent(value, 1)


def districts_by_need(report: Mapping[str, Any]) -> list[str]:
    """District (or commune) codes furthest behind first: the heatmap's row order (and the drill-down's)."""
    districts, grid = _district_grid(report)
    return sorted(districts, key=lambda d: _district_sort_key(grid[d], districts[d]))


def unit_need_keys(report: Mapping[str, Any]) -> dict[str, tuple]:
    """Unit code -> its worst-first sort key (smaller = further behind), for grouping and paging."""
    districts, grid = _district_grid(report)
    return {d: _district_sort_key(grid[d], districts[d]) for d in districts}


def unit_word(level: str | None) -> str:
    """What a period's reporting units are called: districts before 1/7/2025, communes after."""
    return "xã, phường" if level == "commune" else "huyện"


# a district's first year of data has no progress to judge yet: "Năm gốc" (baseline)
HEATMAP_ORDER = list(STATUS_ORDER)


def district_heatmap(report: Mapping[str, Any], order: Sequence[str] | None = None,
                     labels: Mapping[str, str] | None = None, note: str | None = None) -> go.Figure:
    """Districts or communes (rows, worst first) × indicators (columns), coloured by status.

    ``order`` (unit codes) picks and orders the rows (a page of a province's 100+ communes,
    grouped by former district); ``labels`` names them (code -> row label); ``note`` replaces
    the subtitle's "worst on top" line."""
    word = unit_word(report.get("unit_level"))
    where = ", ".join(
        str(p) for p in (report.get("province_label") or report.get("province"),
                         report.get("period_label") or report.get("period")) if p
    )
    title = f"Tình trạng các chỉ tiêu theo {word}" + (
        f"<br><sup>{where} — {note or word + ' chậm nhất ở trên cùng'}</sup>" if where else "")
    indicators = [i for i in report.get("indicators") or []]
    districts, grid = _district_grid(report)
    if not indicators or not districts:
        return _empty_figure(title)

    order = [d for d in order if d in districts] if order is not None else districts_by_need(report)
    if not order:
        return _empty_figure(title, f"Không có {word} nào khớp")
    names = {d: (labels or {}).get(d) or districts[d] for d in order}
    if len(set(names.values())) < len(names):  # two units of one name: the code tells them apart
        names = {d: f"{n} ({d})" for d, n in names.items()}
    kinds = [i.get("kind") for i in indicators]
    categories = HEATMAP_ORDER
    codes = [i.get("code", "") for i in indicators]
    short = [i.get("short_name") or i.get("name") or "" for i in indicators]
    z, text, hover = [], [], []
    for d in order:
        z.append([categories.index(s) for s, _ in grid[d]])
        text.append([_NOT_REPORTED_CELL if v is None else _cell_text(v, kind) for (_, v), kind in zip(grid[d], kinds)])
        hover.append([
            f"<b>{names[d]}</b><br>{c} {_wrap(n, 50)}<br>"
            f"Kết quả: <b>{format_percent(v)}</b><br>"
            f"{NOT_REPORTED_TEXT if v is None else STATUS_LABELS_VI[s]}"
            for (s, v), c, n in zip(grid[d], codes, short)
        ])
    legend = [STATUS_LABELS_VI[s] for s in categories[:-1]] + [NOT_REPORTED_TEXT]
    fig = go.Figure()
    _categorical_heatmap(
        fig, z, codes, [_two_line_label(names[d]) for d in order], text, hover,
        [STATUS_COLORS[s] for s in categories], legend,
    )
    fig.update_xaxes(title=None)
    return _base_layout(fig, title, _height(len(order), per_row=36, base=170))


def _two_line_label(label: str) -> str:
    """``"Xã An Ninh · Huyện Châu Thành"`` → the unit, and its group in small grey type below it: a
    row label half as wide leaves the heatmap's cells room for their text."""
    name, dot, group = label.partition(" · ")
    return f"{name}<br><span style='font-size:11px;color:#666666'>{group}</span>" if dot else label


# --------------------------------------------------------------------------- #
# 4. Province ranking: one indicator, one period, all provinces
# --------------------------------------------------------------------------- #


def province_ranking(
    rows: Sequence[Mapping[str, Any]], indicator_name: str, highlight: str | None = None
) -> go.Figure:
    """Provinces ranked by value (best on top); provinces without data at the bottom.

    ``highlight`` (a province_code) puts that province's label in bold.
    """
    title = f"Xếp hạng các tỉnh — {indicator_name}" if indicator_name else "Xếp hạng các tỉnh"
    rows = list(rows or [])
    if not rows:
        return _empty_figure(title)

    with_data = sorted(
        (r for r in rows if not _is_missing(r.get("value"))),
        key=lambda r: (-float(r["value"]), str(r.get("province", ""))),
    )
    without = sorted((r for r in rows if _is_missing(r.get("value"))), key=lambda r: str(r.get("province", "")))
    labels, values, statuses, hovers = [], [], [], []
    for rank, r in enumerate(with_data + without, start=1):
        name = str(r.get("province") or r.get("province_code") or "")
        has = rank <= len(with_data)
        label = f"{rank}. {name}" if has else name
        if highlight is not None and str(r.get("province_code")) == str(highlight):
            label = f"<b>{label}</b>"
        labels.append(label)
        values.append(float(r["value"]) if has else None)
        statuses.append(_status(r.get("status")) if has else "no_data")
        hovers.append(
            f"<b>{name}</b><br>Kết quả: <b>{format_percent(r.get('value'))}</b><br>"
            f"Tử số: {format_count(r.get('numerator'))}<br>Mẫu số: {format_count(r.get('denominator'))}<br>"
            f"Trạng thái: {STATUS_LABELS_VI[statuses[-1]]}"
        )
    fig = go.Figure()
    _status_bars(fig, labels, values, statuses, hovers)
    _add_target_vline(fig)
    fig.update_xaxes(range=_percent_range(values), title="Tỷ lệ đạt được (%)", ticksuffix=" %")
    # a few provinces (a former province's own comparison, or one with data) keep thin bars too
    return _base_layout(fig, title, _height(len(labels), per_row=28), barmode="overlay",
                        bargap=0.25 if len(labels) >= 6 else 0.6)


# --------------------------------------------------------------------------- #
# 5. Completeness matrix: districts × periods, report state
# --------------------------------------------------------------------------- #


def completeness_matrix(rows: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Which district (or commune) sent which report on time (units × periods), rows in the
    order given (views sorts them worst first and by group)."""
    rows = [r for r in rows or [] if r.get("state") in COMPLETENESS_ORDER]
    levels = {"commune" if r.get("commune_code") else "district" for r in rows}
    title = "Tình hình nộp báo cáo của các " + (unit_word(levels.pop()) if len(levels) == 1 else "huyện, xã, phường")
    if not rows:
        return _empty_figure(title, "Chưa có kỳ báo cáo nào")

    districts: dict[str, str] = {}
    periods: dict[str, str] = {}
    state: dict[tuple[str, str], str] = {}
    for r in rows:
        d, p = str(r.get("unit_code") or r.get("district_code")), str(r.get("period"))
        districts.setdefault(d, r.get("label") or r.get("unit") or r.get("district") or d)
        periods.setdefault(p, r.get("period_label") or period_label(p))
        state[(d, p)] = r["state"]
    period_codes = sorted(periods, key=lambda p: (period_t(p) is None, period_t(p) or 0, p))

    z, text, hover = [], [], []
    for d in districts:
        cells = [state.get((d, p)) for p in period_codes]
        z.append([COMPLETENESS_ORDER.index(s) if s else None for s in cells])
        text.append([COMPLETENESS_LABELS_VI[s] if s else "" for s in cells])
        hover.append([
            f"<b>{districts[d]}</b><br>{periods[p]}<br>{COMPLETENESS_LABELS_VI[s] if s else 'Không áp dụng'}"
            for p, s in zip(period_codes, cells)
        ])
    counts = {s: sum(v == s for v in state.values()) for s in COMPLETENESS_ORDER}
    subtitle = " · ".join(f"{COMPLETENESS_LABELS_VI[s]}: {format_count(counts[s])}" for s in COMPLETENESS_ORDER)
    fig = go.Figure()
    _categorical_heatmap(
        fig, z, period_codes, [districts[d] for d in districts], text, hover,
        [COMPLETENESS_COLORS[s] for s in COMPLETENESS_ORDER],
        [COMPLETENESS_LABELS_VI[s] for s in COMPLETENESS_ORDER],
        xtickvals=[periods[p] for p in period_codes],
    )
    return _base_layout(fig, f"{title}<br><sup>{subtitle}</sup>", _height(len(districts), per_row=32, base=170))


# --------------------------------------------------------------------------- #
# 6. Completeness by group: a province's 100+ communes summarised by former district
# --------------------------------------------------------------------------- #


def completeness_groups(rows: Sequence[Mapping[str, Any]], title: str | None = None) -> go.Figure:
    """One stacked bar per group (former district), units counted by report state; rows are
    ``{"group", "on_time", "late", "missing", "refused"}`` in the order to draw (worst first)."""
    title = title or "Tình hình nộp báo cáo theo huyện cũ"
    rows = list(rows or [])
    if not rows:
        return _empty_figure(title, "Chưa có kỳ báo cáo nào")
    names = [str(r.get("group") or "Không rõ") for r in rows]
    labels = _unique([_short_group(n) for n in names], names)
    fig = go.Figure()
    for state in COMPLETENESS_ORDER:
        xs = [int(r.get(state) or 0) for r in rows]
        if not any(xs):
            continue
        fig.add_trace(go.Bar(
            orientation="h", name=COMPLETENESS_LABELS_VI[state], x=xs, y=labels,
            marker=dict(color=COMPLETENESS_COLORS[state], line=dict(color="#555555", width=0.5)),
            text=[format_count(x) if x else "" for x in xs], textposition="inside", insidetextanchor="middle",
            customdata=names, hovertemplate="<b>%{customdata}</b><br>" + COMPLETENESS_LABELS_VI[state]
            + ": %{x}<extra></extra>",
        ))
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", title=None, automargin=True)
    fig.update_xaxes(title="Số xã, phường", showgrid=True)
    fig.update_xaxes(nticks=6, tickangle=0)
    return _base_layout(fig, title, _height(len(labels), per_row=34, base=170), barmode="stack", bargap=0.3)


_UNIT_KIND = re.compile(r"\b(Huyện|Thị xã|Thành phố|Quận|Thị trấn) ")
GROUP_LABEL_CHARS = 16  # a group's label wraps after this many characters (two lines at most fit a row)


def _short_group(name: str) -> str:
    """A group's bar label, short enough to leave a phone room for the bars: the former districts'
    names without "Huyện", "Thành phố"… (the hover keeps them), wrapped: ``"Vĩnh Thạnh,<br>Mỹ Xuyên"``."""
    return _wrap(_UNIT_KIND.sub("", name), GROUP_LABEL_CHARS)


def _unique(labels: list[str], names: list[str]) -> list[str]:
    """Short labels, the full name kept where two short ones would be the same bar."""
    return [n if labels.count(lab) > 1 else lab for lab, n in zip(labels, names)]
