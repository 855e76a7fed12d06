"""Tests for plantrack.charts: pure figure builders (data in, figure out)."""

from __future__ import annotations

import itertools
import re
import json
import math

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from plantrack import charts
from plantrack.charts import (
    HEATMAP_ORDER,
    COMPLETENESS_COLORS,
    COMPLETENESS_LABELS_VI,
    STATUS_COLORS,
    STATUS_LABELS_VI,
    STATUS_ORDER,
    completeness_matrix,
    district_heatmap,
    format_count,
    format_percent,
    progress_bars,
    province_ranking,
    trajectory_chart,
)
from plantrack.status import STATUSES

# --------------------------------------------------------------------------- #
# Sample inputs (shapes exactly as the engine produces them)
# --------------------------------------------------------------------------- #


def unit(code, name, num, den, status):
    value = None if den in (None, 0) or num is None else round(100 * num / den, 2)
    return {"district_code": code, "district": name, "numerator": num, "denominator": den,
            "value": value, "status": status if value is not None else "no_data"}


def indicator(code, value, status, units, **kw):
    ind = {"code": code, "group": kw.pop("group", "families"), "name": f"Tên đầy đủ của chỉ tiêu {code}",
           "short_name": f"Chỉ tiêu {code}", "kind": kw.pop("kind", "ratio"),
           "numerator": kw.pop("numerator", None if value is None else 81234),
           "denominator": kw.pop("denominator", None if value is None else 90000),
           "value": value, "target": 100, "status": status, "required": kw.pop("required", 86.0),
           "previous_value": kw.pop("previous_value", None), "units_reported": 3, "units_total": 3,
           "units": units}
    ind.update(kw)
    return ind


VT, NB, PH = ("930", "Thành phố Vị Thanh"), ("931", "Thành phố Ngã Bảy"), ("934", "Huyện Phụng Hiệp")


@pytest.fixture
def report():
    return {
        "province_code": "93", "province": "Hậu Giang", "period": "2023", "period_label": "Năm 2023",
        "completeness": {"expected": 3, "received": 3, "on_time": 2},
        "indicators": [
            indicator("CT01", 90.26, "on_track", [
                unit(*VT, 10234, 11000, "on_track"), unit(*NB, 9000, 9000, "achieved"),
                unit(*PH, 5000, 9000, "deteriorating")], previous_value=85.1),
            indicator("CT02", 62.5, "limited_progress", [
                unit(*VT, 950, 1000, "on_track"), unit(*NB, 700, 1000, "needs_acceleration"),
                unit(*PH, 300, 1000, "limited_progress")], group="students", required=80.0),
            indicator("CT07", 100.0, "achieved", [
                unit(*VT, 50, 50, "achieved"), unit(*NB, 40, 40, "achieved"),
                unit(*PH, None, None, "no_data")], group="children"),
            indicator("CT08", 66.67, "needs_acceleration", [
                unit(*VT, 1, 1, "achieved"), unit(*NB, 1, 1, "achieved"), unit(*PH, 0, 1, "deteriorating")],
                kind="yesno", group="districts", numerator=2, denominator=3),
            indicator("CT09", None, "no_data", [
                unit(*VT, None, None, "no_data"), unit(*NB, None, None, "no_data"),
                unit(*PH, None, None, "no_data")], required=None, group="children"),
        ],
    }


@pytest.fixture
def trajectory():
    vals = [("2020", 40.0, "baseline"), ("2021H1", None, "no_data"), ("2021", 52.0, "needs_acceleration"),
            ("2022H1", 55.0, "needs_acceleration"), ("2022", 61.0, "needs_acceleration")]
    return {"code": "CT01", "name": "Gia đình có trẻ em được cung cấp kiến thức", "unit": "Hậu Giang",
            "baseline": 40.0, "baseline_year": 2020, "target": 100, "target_year": 2025,
            "points": [{"period": p, "t": charts.period_t(p), "value": v, "status": s} for p, v, s in vals],
            "projection_year": 2027.4}


@pytest.fixture
def provinces():
    return [
        {"province_code": "92", "province": "Cần Thơ", "value": 71.5, "status": "needs_acceleration",
         "numerator": 715, "denominator": 1000},
        {"province_code": "94", "province": "Sóc Trăng", "value": None, "status": "no_data",
         "numerator": None, "denominator": None},
        {"province_code": "93", "province": "Hậu Giang", "value": 90.26, "status": "on_track",
         "numerator": 81234, "denominator": 90000},
        {"province_code": "95", "province": "Bạc Liêu", "value": 100.0, "status": "achieved",
         "numerator": 1234567, "denominator": 1234567},
        {"province_code": "96", "province": "Cà Mau", "value": 45.0, "status": "deteriorating",
         "numerator": 45, "denominator": 100},
    ]


@pytest.fixture
def completeness_rows():
    rows = []
    states = {VT: ["on_time", "on_time", "late"], NB: ["late", "missing", "on_time"], PH: ["refused", "on_time"]}
    for (code, name), sts in states.items():
        for period, st in zip(["2023", "2022H1", "2022"], sts):  # deliberately unsorted
            rows.append({"district_code": code, "district": name, "period": period,
                         "period_label": charts.period_label(period), "state": st})
    return rows


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def assert_common_layout(fig: go.Figure) -> None:
    assert fig.layout.separators == ",."
    assert fig.layout.template == pio.templates["plotly_white"]
    assert "Noto Sans" in fig.layout.font.family and "DejaVu Sans" in fig.layout.font.family
    assert fig.layout.title.text
    assert fig.layout.height and fig.layout.height >= 300
    json.loads(fig.to_json())  # serialisable, i.e. every property was valid


def target_vlines(fig):
    return [s for s in fig.layout.shapes if s.type == "line" and s.x0 == 100 and s.x1 == 100]


def target_hlines(fig):
    return [s for s in fig.layout.shapes if s.type == "line" and s.y0 == 100 and s.y1 == 100]


def annotation_texts(fig):
    return [a.text for a in fig.layout.annotations]


def bars(fig):
    return [t for t in fig.data if t.type == "bar"]


def bar_rows(fig):
    """{y label: (x, colour, status)} over all bar traces."""
    out = {}
    for t in bars(fig):
        for x, y in zip(t.x, t.y):
            out[y] = (x, t.marker.color, t.meta)
    return out


# --------------------------------------------------------------------------- #
# Formatting and vocabulary
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("value, expected", [
    (90.26, "90,3 %"), (0, "0,0 %"), (0.0, "0,0 %"), (100, "100,0 %"), (1234567, "1.234.567,0 %"),
    (99.99, "100,0 %"), (5.5, "5,5 %"), (75.95, "76,0 %"), (None, "—"), (float("nan"), "—"),
])
def test_format_percent_is_the_screen_rule_one_decimal(value, expected):
    assert format_percent(value) == expected


def test_format_percent_two_decimals_for_text_reports():
    from plantrack.charts import EXPORT_DECIMALS

    assert format_percent(90.26, EXPORT_DECIMALS) == "90,26 %"


def test_format_percent_decimals():
    assert format_percent(90.26, 1) == "90,3 %"
    assert format_percent(100, 0) == "100 %"
    assert format_percent(1234.5, 0) == "1.234 %" or format_percent(1234.5, 0) == "1.235 %"


@pytest.mark.parametrize("value, expected", [
    (12400, "12.400"), (0, "0"), (100, "100"), (1234567, "1.234.567"), (999, "999"), (1000, "1.000"),
    (None, "—"), (float("nan"), "—"), (12400.0, "12.400"),
])
def test_format_count(value, expected):
    assert format_count(value) == expected


@pytest.mark.parametrize("period, t, label", [
    ("2020", 2020.0, "2020"), ("2021H1", 2020.5, "6T/2021"), ("2025", 2025.0, "2025"), ("xyz", None, "xyz"),
])
def test_period_helpers(period, t, label):
    assert charts.period_t(period) == t
    assert charts.period_label(period) == label


def test_status_vocabulary_complete():
    assert STATUS_ORDER == ["achieved", "on_track", "needs_acceleration", "limited_progress",
                            "deteriorating", "baseline", "no_data"]
    for s in STATUS_ORDER:
        assert s in STATUS_COLORS and s in STATUS_LABELS_VI
    assert len({STATUS_COLORS[s] for s in STATUS_ORDER}) == len(STATUS_ORDER)
    grey = STATUS_COLORS["no_data"].lstrip("#")
    assert grey[0:2] == grey[2:4] == grey[4:6], "no_data must be a neutral grey"
    assert STATUS_LABELS_VI["no_data"] == "Chưa có số liệu"
    assert charts.GROUP_LABELS_VI["districts"] == "Địa phương"  # districts, then communes


# Colour-vision-deficiency check: Machado et al. (2009) full-severity matrices
# on linear RGB, then CIE76 ΔE in L*a*b*.  ΔE ≥ 12 is clearly distinguishable.
_CVD = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "normal": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
}


def _lab(hex_color, matrix):
    def lin(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [lin(int(hex_color[i:i + 2], 16)) for i in (1, 3, 5)]
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in matrix)
    x, y, z = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, \
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


@pytest.mark.parametrize("vision", sorted(_CVD))
@pytest.mark.parametrize("palette", [[STATUS_COLORS[s] for s in STATUS_ORDER], list(COMPLETENESS_COLORS.values())])
def test_palettes_distinct_for_colour_blind(vision, palette):
    for a, b in itertools.combinations(palette, 2):
        assert math.dist(_lab(a, _CVD[vision]), _lab(b, _CVD[vision])) >= 12, (vision, a, b)


# --------------------------------------------------------------------------- #
# progress_bars
# --------------------------------------------------------------------------- #


def test_progress_bars_realistic(report):
    fig = progress_bars(report)
    assert_common_layout(fig)
    assert "Hậu Giang" in fig.layout.title.text and "Năm 2023" in fig.layout.title.text
    # 100 % target line, labelled.
    assert len(target_vlines(fig)) == 1
    assert "Mục tiêu 100 %" in annotation_texts(fig)
    assert fig.layout.xaxis.range[1] > 100
    # Every indicator is a row, in report order.
    cats = list(fig.layout.yaxis.categoryarray)
    assert len(cats) == 5 and [c.split("</b>")[0][3:] for c in cats] == ["CT01", "CT02", "CT07", "CT08", "CT09"]
    rows = bar_rows(fig)
    assert set(rows) == set(cats)
    by_code = {c.split("</b>")[0][3:]: rows[c] for c in cats}
    # Bar colour follows status; legend uses Vietnamese status labels.
    for code, status, value in [("CT01", "on_track", 90.26), ("CT02", "limited_progress", 62.5),
                                ("CT07", "achieved", 100.0), ("CT08", "needs_acceleration", 66.67)]:
        x, colour, st = by_code[code]
        assert (x, colour, st) == (value, STATUS_COLORS[status], status)
    for t in bars(fig):
        assert t.name == STATUS_LABELS_VI[t.meta]
        assert t.marker.color == STATUS_COLORS[t.meta]
    # No-data indicator: empty row (None, not 0), grey, labelled.
    assert by_code["CT09"] == (None, STATUS_COLORS["no_data"], "no_data")
    assert "Chưa có số liệu" in annotation_texts(fig)
    # Required trajectory marker.
    req = [t for t in fig.data if t.type == "scatter"]
    assert len(req) == 1 and list(req[0].x) == [86.0, 80.0, 86.0, 86.0]
    # Hover: Vietnamese number formats for numerator/denominator.
    hover = " ".join(h for t in bars(fig) for h in t.hovertext)
    assert "81.234" in hover and "90.000" in hover and "90,3 %" in hover  # one decimal on screen, as the cards
    assert "Trạng thái: Đúng tiến độ" in hover
    # Bar text shows formatted value.
    texts = [x for t in bars(fig) for x in t.text]
    assert "90,3 %" in texts and "100,0 %" in texts  # bars say what the cards say (one decimal)


def test_progress_bars_value_none_with_stale_status_is_no_data(report):
    report["indicators"][0].update(value=None, status="on_track")
    rows = bar_rows(progress_bars(report))
    ct01 = next(v for k, v in rows.items() if k.startswith("<b>CT01"))
    assert ct01 == (None, STATUS_COLORS["no_data"], "no_data")


def test_progress_bars_value_with_unknown_status_keeps_value(report):
    report["indicators"][0].update(status="something_new")
    rows = bar_rows(progress_bars(report))
    ct01 = next(v for k, v in rows.items() if k.startswith("<b>CT01"))
    assert ct01 == (90.26, STATUS_COLORS["no_data"], "no_data")


def test_progress_bars_all_no_data(report):
    for ind in report["indicators"]:
        ind.update(value=None, status="no_data", required=None)
    fig = progress_bars(report)
    assert_common_layout(fig)
    assert [t.meta for t in bars(fig)] == ["no_data"]
    assert all(x is None for x in bars(fig)[0].x)
    assert annotation_texts(fig).count("Chưa có số liệu") == 5
    assert len(target_vlines(fig)) == 1


def test_progress_bars_empty_and_minimal():
    for rep in ({"province": "Hậu Giang", "period_label": "Năm 2023", "indicators": []}, {}):
        fig = progress_bars(rep)
        assert_common_layout(fig)
        assert len(fig.data) == 0
        assert "Chưa có số liệu" in annotation_texts(fig)
    # Only mandatory keys on the indicator.
    fig = progress_bars({"indicators": [{"code": "CT03", "value": 12.5, "status": "limited_progress"}]})
    assert bar_rows(fig) == {"<b>CT03</b>": (12.5, STATUS_COLORS["limited_progress"], "limited_progress")}


def test_progress_bars_height_grows(report):
    small = progress_bars({**report, "indicators": report["indicators"][:2]})
    big = progress_bars(report)
    assert big.layout.height > small.layout.height


# --------------------------------------------------------------------------- #
# trajectory_chart
# --------------------------------------------------------------------------- #


def _trace(fig, prefix):
    return next(t for t in fig.data if t.name.startswith(prefix))


def test_trajectory_realistic(trajectory):
    fig = trajectory_chart(trajectory)
    assert_common_layout(fig)
    assert len(target_hlines(fig)) == 1 and "Mục tiêu 100 %" in annotation_texts(fig)
    actual = _trace(fig, "Thực hiện")
    assert list(actual.x) == [2020.0, 2020.5, 2021.0, 2021.5, 2022.0]
    assert list(actual.y) == [40.0, None, 52.0, 55.0, 61.0]  # gap, not zero
    assert actual.connectgaps is False
    assert actual.marker.color[1] == STATUS_COLORS["no_data"]
    # Value labels sit on the side away from the required path (61 < 64 in 2022).
    assert actual.textposition[2] == "top center" and actual.textposition[4] == "bottom center"
    assert actual.text[4] == "61,0 %" and actual.text[1] == ""
    path = _trace(fig, "Lộ trình cần đạt")
    assert list(path.x) == [2020.0, 2025.0] and list(path.y) == [40.0, 100.0]
    proj = _trace(fig, "Dự báo")
    assert proj.line.dash == "dot"
    assert list(proj.x) == [2022.0, 2027.4] and proj.y[0] == 61.0 and proj.y[-1] == pytest.approx(100.0)
    assert "năm 2028" in proj.name  # 2027.4: the 2028 annual report is the first to show 100 %
    ticks = dict(zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext))
    assert min(ticks) >= 2019.5  # no stray tick before the first period
    # eleven periods and years: a phone's width holds every other year, level, counted from the target
    # year; the half-years and the other years keep their grid line
    assert len(ticks) > charts.MAX_PERIOD_TICKS and fig.layout.xaxis.tickangle == 0
    assert {t: text for t, text in ticks.items() if text} == {2021.0: "2021", 2023.0: "2023", 2025.0: "2025",
                                                              2027.0: "2027"}
    assert ticks[2020.5] == "" and ticks[2022.0] == ""
    assert fig.layout.xaxis.range[1] >= 2027.4
    assert fig.layout.yaxis.range[1] > 100


def test_trajectory_without_projection(trajectory):
    trajectory["projection_year"] = None
    fig = trajectory_chart(trajectory)
    assert not [t for t in fig.data if t.name.startswith("Dự báo")]
    assert len(target_hlines(fig)) == 1


def test_trajectory_far_projection_is_capped(trajectory):
    trajectory["projection_year"] = 2080.0
    proj = _trace(trajectory_chart(trajectory), "Dự báo")
    assert proj.x[-1] == 2035.0 and 61.0 < proj.y[-1] < 100.0


def test_trajectory_all_no_data(trajectory):
    for p in trajectory["points"]:
        p.update(value=None, status="no_data")
    fig = trajectory_chart(trajectory)
    assert_common_layout(fig)
    assert all(y is None for y in _trace(fig, "Thực hiện").y)
    assert not [t for t in fig.data if t.name.startswith("Dự báo")]
    assert len(target_hlines(fig)) == 1


def test_trajectory_empty():
    fig = trajectory_chart({"code": "CT01", "unit": "Hậu Giang", "points": []})
    assert_common_layout(fig)
    assert len(fig.data) == 0 and "Chưa có số liệu" in annotation_texts(fig)


def test_trajectory_points_sorted_and_t_derived(trajectory):
    pts = trajectory["points"][::-1]
    for p in pts:
        p.pop("t")
    trajectory["points"] = pts
    actual = _trace(trajectory_chart(trajectory), "Thực hiện")
    assert list(actual.x) == [2020.0, 2020.5, 2021.0, 2021.5, 2022.0]


# --------------------------------------------------------------------------- #
# district_heatmap
# --------------------------------------------------------------------------- #


def _heat(fig):
    (h,) = fig.data
    assert h.type == "heatmap"
    return h


def _colour_of(h, code):
    """Colour the stepped colorscale paints integer code `code` with."""
    n = len(h.colorscale) // 2
    lo, hi = h.zmin, h.zmax
    pos = (code - lo) / (hi - lo)
    for (a, ca), (b, cb) in zip(h.colorscale[::2], h.colorscale[1::2]):
        if a <= pos <= b:
            assert ca == cb
            return ca
    raise AssertionError((code, n))


def test_district_heatmap_realistic(report):
    fig = district_heatmap(report)
    assert_common_layout(fig)
    h = _heat(fig)
    assert list(h.x) == ["CT01", "CT02", "CT07", "CT08", "CT09"]
    # Phụng Hiệp is furthest behind (deteriorating ×2, limited_progress ×1).
    assert h.y[0] == "Huyện Phụng Hiệp"
    assert fig.layout.yaxis.autorange == "reversed"  # first row drawn on top
    # Vị Thanh (mean ≈ 93.6) is ahead of Ngã Bảy (mean 90) → Ngã Bảy second.
    assert list(h.y) == ["Huyện Phụng Hiệp", "Thành phố Ngã Bảy", "Thành phố Vị Thanh"]
    row = list(h.z[0])
    assert [HEATMAP_ORDER[i] for i in row] == ["deteriorating", "limited_progress", "no_data",
                                              "deteriorating", "no_data"]
    for i, status in enumerate(HEATMAP_ORDER):
        assert _colour_of(h, i) == STATUS_COLORS[status]
    assert [t.replace("<br>", " ") for t in h.text[0]] == ["55,6 %", "30,0 %", "Chưa báo cáo", "Không",
                                                           "Chưa báo cáo"]
    assert list(h.text[2])[0] == "93,0 %"
    assert "Chưa báo cáo" in h.colorbar.ticktext and "Đi xuống" in h.colorbar.ticktext
    assert "Thành phố Vị Thanh" in h.hovertext[2][0] and "93,0 %" in h.hovertext[2][0]


def test_district_heatmap_missing_unit_is_grey(report):
    # Ngã Bảy absent from CT02's units entirely → no_data cell, not dropped.
    report["indicators"][1]["units"] = [u for u in report["indicators"][1]["units"] if u["district_code"] != "931"]
    h = _heat(district_heatmap(report))
    r = list(h.y).index("Thành phố Ngã Bảy")
    assert HEATMAP_ORDER[h.z[r][1]] == "no_data" and h.text[r][1].replace("<br>", " ") == "Chưa báo cáo"


def test_district_heatmap_single_district(report):
    for ind in report["indicators"]:
        ind["units"] = ind["units"][:1]
    fig = district_heatmap(report)
    assert_common_layout(fig)
    h = _heat(fig)
    assert list(h.y) == ["Thành phố Vị Thanh"] and len(h.z[0]) == 5


def test_district_heatmap_all_no_data(report):
    for ind in report["indicators"]:
        for u in ind["units"]:
            u.update(value=None, status="no_data", numerator=None, denominator=None)
    h = _heat(district_heatmap(report))
    assert all(HEATMAP_ORDER[v] == "no_data" for row in h.z for v in row)
    assert all(t.replace("<br>", " ") == "Chưa báo cáo" for row in h.text for t in row)


def test_district_heatmap_empty(report):
    for rep in ({"indicators": []}, {**report, "indicators": [{**i, "units": []} for i in report["indicators"]]}):
        fig = district_heatmap(rep)
        assert_common_layout(fig)
        assert len(fig.data) == 0 and "Chưa có số liệu" in annotation_texts(fig)


def test_district_heatmap_height_grows(report):
    one = district_heatmap({**report, "indicators": [{**i, "units": i["units"][:1]} for i in report["indicators"]]})
    many = [{"district_code": str(i), "district": f"Huyện {i}", "value": 50.0, "status": "on_track"} for i in range(20)]
    big = district_heatmap({**report, "indicators": [{**report["indicators"][0], "units": many}]})
    assert big.layout.height > one.layout.height


# --------------------------------------------------------------------------- #
# province_ranking
# --------------------------------------------------------------------------- #


def test_province_ranking_realistic(provinces):
    fig = province_ranking(provinces, "CT01 Gia đình được cung cấp kiến thức", highlight="93")
    assert_common_layout(fig)
    assert "CT01 Gia đình được cung cấp kiến thức" in " ".join(_title_lines(fig))  # wrapped for a phone
    assert len(target_vlines(fig)) == 1 and "Mục tiêu 100 %" in annotation_texts(fig)
    cats = list(fig.layout.yaxis.categoryarray)
    assert cats == ["1. Bạc Liêu", "<b>2. Hậu Giang</b>", "3. Cần Thơ", "4. Cà Mau", "Sóc Trăng"]
    rows = bar_rows(fig)
    assert rows["1. Bạc Liêu"] == (100.0, STATUS_COLORS["achieved"], "achieved")
    assert rows["4. Cà Mau"] == (45.0, STATUS_COLORS["deteriorating"], "deteriorating")
    assert rows["Sóc Trăng"] == (None, STATUS_COLORS["no_data"], "no_data")
    assert "Chưa có số liệu" in annotation_texts(fig)
    hover = " ".join(h for t in bars(fig) for h in t.hovertext)
    assert "1.234.567" in hover and "81.234" in hover


def test_province_ranking_edges():
    fig = province_ranking([], "CT01")
    assert_common_layout(fig)
    assert len(fig.data) == 0
    only_missing = [{"province_code": "94", "province": "Sóc Trăng", "value": None, "status": "no_data"},
                    {"province_code": "93", "province": "Hậu Giang", "value": None, "status": "on_track"}]
    fig = province_ranking(only_missing, "CT01")
    assert bar_rows(fig) == {"Hậu Giang": (None, STATUS_COLORS["no_data"], "no_data"),
                             "Sóc Trăng": (None, STATUS_COLORS["no_data"], "no_data")}
    assert len(target_vlines(fig)) == 1
    single = province_ranking([{"province_code": "93", "province": "Hậu Giang", "value": 0.0,
                                "status": "limited_progress"}], "CT01")
    assert bar_rows(single) == {"1. Hậu Giang": (0.0, STATUS_COLORS["limited_progress"], "limited_progress")}


# --------------------------------------------------------------------------- #
# completeness_matrix
# --------------------------------------------------------------------------- #


def test_completeness_matrix_realistic(completeness_rows):
    fig = completeness_matrix(completeness_rows)
    assert_common_layout(fig)
    h = _heat(fig)
    assert list(h.x) == ["2022H1", "2022", "2023"]  # sorted by time, not input order
    assert list(fig.layout.xaxis.ticktext) == ["6T/2022", "2022", "2023"]
    assert list(h.y) == ["Thành phố Vị Thanh", "Thành phố Ngã Bảy", "Huyện Phụng Hiệp"]
    order = list(COMPLETENESS_COLORS)
    assert [order[v] for v in h.z[1]] == ["missing", "on_time", "late"]
    assert list(h.text[1]) == ["Chưa nộp", "Đúng hạn", "Trễ hạn"]
    # Phụng Hiệp has no 2022 row at all → blank cell (None), not a state.
    assert [None if v is None else order[v] for v in h.z[2]] == ["on_time", None, "refused"]
    assert h.text[2][1] == ""
    for i, state in enumerate(order):
        assert _colour_of(h, i) == COMPLETENESS_COLORS[state]
    assert list(h.colorbar.ticktext) == ["Đúng hạn", "Trễ hạn", "Chưa nộp", "Bị từ chối"]
    assert COMPLETENESS_LABELS_VI["refused"] in _title_lines(fig)[-1]  # a wrapped subtitle keeps its items whole


def test_completeness_matrix_edges():
    fig = completeness_matrix([])
    assert_common_layout(fig)
    assert len(fig.data) == 0
    one = completeness_matrix([{"district_code": "930", "district": "Thành phố Vị Thanh", "period": "2023",
                                "period_label": "Năm 2023", "state": "on_time"}])
    h = _heat(one)
    assert list(h.y) == ["Thành phố Vị Thanh"] and list(h.z[0]) == [0]
    assert list(one.layout.xaxis.ticktext) == ["Năm 2023"]


def test_trajectory_baseline_only_and_missing_years():
    fig = trajectory_chart({"code": "CT02", "unit": "Hậu Giang", "baseline": 30.0, "baseline_year": 2020,
                            "target": 100, "target_year": 2025, "points": [], "projection_year": None})
    assert_common_layout(fig)
    assert list(_trace(fig, "Lộ trình cần đạt").y) == [30.0, 100.0]
    fig = trajectory_chart({"code": "CT02", "unit": "X", "baseline": 30.0,
                            "points": [{"period": "2021", "value": 50.0, "status": "on_track"}],
                            "projection_year": 2030.0})
    assert_common_layout(fig)
    assert len(target_hlines(fig)) == 1 and list(_trace(fig, "Thực hiện").y) == [50.0]


def test_district_heatmap_shows_a_baseline_year_as_baseline(report):
    report["indicators"][0]["units"][0]["status"] = "baseline"
    h = _heat(district_heatmap(report))
    assert "baseline" in [HEATMAP_ORDER[i] for row in h.z for i in row]
    assert "Năm gốc" in h.colorbar.ticktext


def test_district_heatmap_shows_yes_no_answers_as_co_khong(report):
    ind = report["indicators"][0]
    ind["kind"] = "yesno"
    ind["units"][0]["value"], ind["units"][1]["value"] = 100.0, 0.0
    h = _heat(district_heatmap(report))
    texts = {h.y[r]: h.text[r][0] for r in range(len(h.y))}
    assert texts[ind["units"][0]["district"]] == "Có" and texts[ind["units"][1]["district"]] == "Không"


def test_trajectory_marks_the_2025_reform():
    points = [{"period": c, "t": t, "value": v, "status": "on_track", "map": m} for c, t, v, m in
              [("2024", 2024.0, 80.0, "pre2025"), ("2025H1", 2024.5, 85.0, "pre2025"), ("2025", 2025.0, 90.0, "2025")]]
    traj = {"code": "CT01", "unit": "Cần Thơ", "baseline": 50.0, "baseline_year": 2020.0, "target": 100,
            "target_year": 2025, "points": points, "reform": {"date": "2025-07-01", "t": 2024.75}}
    fig = trajectory_chart(traj)
    lines = [sh for sh in fig.layout.shapes if sh.x0 == sh.x1 == 2024.75]
    assert len(lines) == 1
    assert "1/7/2025: sáp nhập tỉnh, xã báo cáo thay huyện" in [t.replace("<br>", " ") for t in annotation_texts(fig)]
    assert not [sh for sh in trajectory_chart({**traj, "reform": None}).layout.shapes if sh.x0 == 2024.75]


# --------------------------------------------------------------------------- #
# Every status progress_status can return is drawn (STYLE.md)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_is_drawn_as_a_bar_counted_and_explained(status):
    from plantrack.views import STATUS_MEANING_VI, status_counts, status_sentence

    value = None if status == "no_data" else 42.0
    report = {"province": "Hậu Giang", "period": "2020", "indicators": [
        {"code": f"CT0{n}", "short_name": f"Chỉ tiêu {n}", "group": "families", "value": value, "status": status,
         "numerator": 42, "denominator": 100} for n in range(1, 4)]}
    fig = progress_bars(report)
    drawn = [t for t in bars(fig) if t.meta == status]
    if status == "no_data":  # an empty row with its grey label, never a zero bar
        assert all(x is None for t in bars(fig) for x in t.x)
        assert sum(a.text == charts.NO_DATA_TEXT for a in fig.layout.annotations) == 3
    else:
        assert len(drawn) == 1 and list(drawn[0].x) == [42.0] * 3
        assert drawn[0].name == STATUS_LABELS_VI[status] and drawn[0].marker.color == STATUS_COLORS[status]
        assert drawn[0].text == ("42,0 %",) * 3
    assert status_counts(report)[status] == 3
    sentence = status_sentence(report)
    assert sentence.startswith("3 chỉ tiêu: 3 ") and "chưa có số liệu" not in sentence or status == "no_data"
    assert STATUS_MEANING_VI[status] and status in HEATMAP_ORDER


def test_baseline_period_draws_its_bars_and_says_baseline():
    """The plan's first year has data: its bars are drawn as the baseline, not "8 chưa có số liệu"."""
    from plantrack.views import status_sentence

    report = {"indicators": [{"code": f"CT{n:02d}", "group": "families", "value": 50.0 + n, "status": "baseline"}
                             for n in range(1, 9)]}
    assert sum(len(t.x) for t in bars(progress_bars(report))) == 8
    assert status_sentence(report) == "8 chỉ tiêu: 8 ở năm gốc (mốc để tính tiến độ)"


# --------------------------------------------------------------------------- #
# One figure for a 1400 px desktop and a 390 px phone (issue 10)
# --------------------------------------------------------------------------- #


def test_a_few_periods_keep_their_half_year_names(trajectory):
    trajectory["projection_year"] = None
    trajectory["points"] = trajectory["points"][:3]
    trajectory["target_year"] = 2021
    ticks = dict(zip(*(lambda x: (x.tickvals, x.ticktext))(trajectory_chart(trajectory).layout.xaxis)))
    assert len(ticks) <= charts.MAX_PERIOD_TICKS and ticks[2020.5] == "6T/2021"


def _title_lines(fig):
    return [re.sub(r"</?(sup|b)>", "", line) for line in fig.layout.title.text.split("<br>")]


def test_every_title_fits_a_phone(report, trajectory, provinces):
    long_name = "Tỷ lệ trẻ em bị bạo lực, xâm hại được tiếp cận các dịch vụ hỗ trợ, can thiệp kịp thời"
    trajectory["name"] = long_name
    figs = [progress_bars(report), trajectory_chart(trajectory), district_heatmap(report),
            province_ranking(provinces, "CT01 Gia đình được cung cấp kiến thức, kỹ năng bảo vệ trẻ em"),
            charts.completeness_groups([{"group": "Huyện Châu Thành", "on_time": 3, "missing": 1}],
                                "Tình hình nộp báo cáo Năm 2025 theo huyện cũ của Thành phố Cần Thơ")]
    for fig in figs:
        lines = fig.layout.title.text.split("<br>")
        for line in lines:
            plain = re.sub(r"</?(sup|b)>", "", line)
            limit = charts.SUBTITLE_CHARS if line.startswith("<sup>") else charts.TITLE_CHARS
            assert len(plain) <= limit, (plain, fig.layout.title.text)
            assert line.count("<sup>") == line.count("</sup>")  # a wrapped subtitle stays small, line by line
        assert fig.layout.margin.t >= 40 + 20 * len(lines)  # room for every line above the plot
    # nothing was lost in the wrapping
    assert long_name in " ".join(_title_lines(figs[1]))
    assert "CT01 Gia đình được cung cấp kiến thức, kỹ năng bảo vệ trẻ em" in " ".join(_title_lines(figs[3]))


def test_progress_bars_write_each_label_above_its_bar(report):
    fig = progress_bars(report)
    cats = list(fig.layout.yaxis.categoryarray)
    assert fig.layout.yaxis.showticklabels is False  # no label column squeezing the bars
    above = [a for a in fig.layout.annotations if a.name == "row-label"]
    assert [a.text for a in above] == cats and all("<br>" not in a.text for a in above)
    assert all(a.xref == "paper" and a.x == 0 and a.xanchor == "left" and a.yanchor == "bottom"
               and a.yshift == charts.LABEL_SHIFT for a in above)
    # the bar fills half its row: the label's line fits in the other half, above it
    assert fig.layout.bargap == charts.LABEL_BARGAP and charts.LABEL_SHIFT * 2 <= charts.LABEL_ROW * (1 - fig.layout.bargap) + 1
    assert fig.layout.xaxis.tickangle == 0 and fig.layout.xaxis.nticks <= 7
    target = next(a for a in fig.layout.annotations if a.text == "Mục tiêu 100 %")
    assert target.xanchor == "right"  # written left of the 100 % line, never past the chart's right edge


def test_province_ranking_keeps_its_short_labels_beside_the_bars(provinces):
    fig = province_ranking(provinces, "CT01")
    assert fig.layout.yaxis.showticklabels is not False
    assert not [a for a in fig.layout.annotations if a.name == "row-label"]


def test_completeness_groups_labels_are_short_and_the_hover_names_the_group_in_full():
    rows = [{"group": "Huyện Vĩnh Thạnh, Huyện Mỹ Xuyên", "on_time": 1, "missing": 2},
            {"group": "Thành phố Vị Thanh", "on_time": 3},
            {"group": "Huyện Châu Thành", "missing": 1}, {"group": "Thị xã Châu Thành", "late": 1}]
    fig = charts.completeness_groups(rows)
    labels = list(fig.layout.yaxis.categoryarray)
    assert labels[:2] == ["Vĩnh Thạnh, Mỹ<br>Xuyên", "Vị Thanh"]
    assert labels[2:] == ["Huyện Châu Thành", "Thị xã Châu Thành"]  # two bars never share a label
    assert all(len(line) <= charts.GROUP_LABEL_CHARS for lab in labels[:2] for line in lab.split("<br>"))
    on_time = next(t for t in fig.data if t.name == "Đúng hạn")
    assert list(on_time.customdata)[0] == "Huyện Vĩnh Thạnh, Huyện Mỹ Xuyên" and "%{customdata}" in on_time.hovertemplate


def test_a_grouped_units_heatmap_label_puts_its_group_below_the_unit(report):
    code = report["indicators"][0]["units"][0]["district_code"]
    fig = district_heatmap(report, order=[code], labels={code: "Xã An Ninh · Huyện Châu Thành"})
    h = next(t for t in fig.data if t.type == "heatmap")
    assert list(h.y) == ["Xã An Ninh<br><span style='font-size:11px;color:#666666'>Huyện Châu Thành</span>"]
    assert "Xã An Ninh · Huyện Châu Thành" in h.hovertext[0][0]  # the hover names it on one line
