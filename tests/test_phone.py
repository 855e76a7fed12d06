"""Issue #10, "usable on a phone": a heatmap becomes a list sortable by its column headers on a
narrow screen (views.heatmap_list_rows, views.completeness_list_rows), drawn next to the heatmap
by the pages in containers the stylesheet shows one at a time. The browser test checks which one
a 390 px and a 1400 px window show (tests/e2e/test_browser.py)."""

from __future__ import annotations

from pages import common
from plantrack import stylesheet, views
from plantrack.units import load_units
from tests.test_pages import app, small, small_db  # noqa: F401 - fixtures


def _report() -> dict:
    def units(*cells):
        names = {"930": "Thành phố Vị Thanh", "933": "Huyện Châu Thành", "931": "Thành phố Ngã Bảy"}
        return [{"unit_code": c, "unit": names[c], "value": v, "status": s} for c, v, s in cells]
    return {"unit_level": "district", "indicators": [
        {"code": "CT01", "kind": "percent", "units": units(("930", 90.0, "on_track"), ("933", 40.26, "deteriorating"),
                                                           ("931", None, "no_data"))},
        {"code": "CT08", "kind": "yesno", "units": units(("930", 100.0, "achieved"), ("933", 0.0, "limited_progress"),
                                                         ("931", None, "no_data"))},
    ]}


def test_the_heatmap_as_a_list_keeps_its_order_and_says_each_result():
    report = _report()
    view = views.heatmap_view(report, load_units())
    rows = views.heatmap_list_rows(report, view)
    # the heatmap's order: most indicators behind or not reported, then most going backwards
    assert [r["Huyện"] for r in rows] == ["Huyện Châu Thành", "Thành phố Ngã Bảy", "Thành phố Vị Thanh"]
    assert [r["Thứ tự"] for r in rows] == [1, 2, 3]  # furthest behind first, the column to sort back by
    assert [r["Chậm"] for r in rows] == [2, 2, 0]
    assert rows[1]["CT01"] == rows[1]["CT08"] == "Chưa báo cáo"
    assert rows[0]["CT01"] == "40,3 %" and rows[0]["CT08"] == "Không"  # the screen's rounding, decimal comma
    assert rows[2]["CT01"] == "90,0 %" and rows[2]["CT08"] == "Có"
    assert list(rows[0]) == ["Huyện", "Chậm", "Thứ tự", "CT01", "CT08"]


def test_a_page_of_the_heatmap_lists_that_page_with_its_rank_in_the_whole():
    report = _report()
    view = views.heatmap_view(report, load_units(), page=1, page_size=2)
    rows = views.heatmap_list_rows(report, view)
    assert [(r["Thứ tự"], r["Huyện"]) for r in rows] == [(3, "Thành phố Vị Thanh")]
    found = views.heatmap_view(report, load_units(), search="chau thanh")
    assert [(r["Thứ tự"], r["Huyện"]) for r in views.heatmap_list_rows(report, found)] == [(1, "Huyện Châu Thành")]


def test_a_commune_list_is_headed_by_communes():
    report = {**_report(), "unit_level": "commune"}
    view = views.heatmap_view(report, load_units())
    assert "Xã, phường" in views.heatmap_list_rows(report, view)[0]


def _matrix() -> list[dict]:
    states = {"930": ("on_time", "on_time", "late"), "931": ("on_time", "refused", "missing"),
              "933": ("late", "late", "on_time")}
    names = {"930": "Thành phố Vị Thanh", "931": "Thành phố Ngã Bảy", "933": "Huyện Châu Thành"}
    return [{"district_code": c, "district": names[c], "period": p, "state": s}
            for c, row in states.items() for p, s in zip(("2023", "2024H1", "2024"), row)]


def test_the_completeness_matrix_as_a_list_newest_period_first():
    view = views.completeness_view(_matrix(), "pre2025")
    rows = views.completeness_list_rows(views.short_period_labels(view["rows"]))
    assert [r["Huyện"] for r in rows] == ["Thành phố Ngã Bảy", "Huyện Châu Thành", "Thành phố Vị Thanh"]
    assert list(rows[0]) == ["Huyện", "Thứ tự", "Thiếu", "Trễ", "2024", "6T/2024", "2023"]
    assert rows[0] == {"Thứ tự": 1, "Huyện": "Thành phố Ngã Bảy", "Thiếu": 2, "Trễ": 0,
                       "2024": "Chưa nộp", "6T/2024": "Bị từ chối", "2023": "Đúng hạn"}
    assert (rows[1]["Trễ"], rows[2]["Trễ"]) == (2, 1)


def test_a_unit_without_a_state_in_a_period_has_an_empty_cell():
    matrix = [r for r in _matrix() if not (r["district_code"] == "930" and r["period"] == "2023")]
    rows = views.completeness_list_rows(views.completeness_view(matrix, "pre2025")["rows"])
    vi_thanh = next(r for r in rows if r["Huyện"] == "Thành phố Vị Thanh")
    assert vi_thanh["2023"] == "" and vi_thanh["2024"] == "Trễ hạn"


def test_the_stylesheet_shows_one_variant_at_each_width():
    css = stylesheet.STYLESHEET
    assert f"@media (max-width: {stylesheet.PHONE_WIDTH}px)" in css and stylesheet.PHONE_WIDTH == 640
    narrow, wide = css.split(f"@media (max-width: {stylesheet.PHONE_WIDTH}px)", 1)[1].split("@media", 2)[:2]
    assert '[class*="st-key-wide_only_"] { display: none !important; }' in narrow
    assert f"(min-width: {stylesheet.PHONE_WIDTH + 1}px), print" in wide
    assert '[class*="st-key-narrow_only_"] { display: none !important; }' in wide


def _list_next_to(at, chart_key: str, first_column: str):
    chart = next(c for c in at.get("plotly_chart") if c.proto.id and chart_key in c.proto.id)
    import json
    heatmap = next(t for t in json.loads(chart.proto.spec)["data"] if t["type"] == "heatmap")
    table = next(d.value for d in at.dataframe if "Thứ tự" in d.value.columns and first_column in d.value.columns)
    return heatmap, table


def test_the_districts_page_lists_the_heatmaps_units_in_its_order(small):  # noqa: F811
    at = app(province="93", period="2024")
    at.switch_page("pages/districts.py").run()
    assert not at.exception
    heatmap, table = _list_next_to(at, "districts_heatmap", "Huyện")
    assert list(table["Huyện"]) == list(heatmap["y"]) and len(table) == 8  # former Hậu Giang's districts
    assert list(table["Thứ tự"]) == list(range(1, 9))
    assert set(common.plan_for(load_units().provinces["93"]).codes) <= set(table.columns)


def test_the_completeness_page_lists_the_matrixs_units_in_its_order(small):  # noqa: F811
    at = app(province="93", period="2024")
    at.switch_page("pages/completeness.py").run()
    assert not at.exception
    heatmap, table = _list_next_to(at, "completeness_matrix", "Huyện")
    assert list(table["Huyện"]) == list(heatmap["y"])
    assert table.iloc[0]["Thiếu"] >= table.iloc[-1]["Thiếu"]
    periods = list(table.columns)[4:]  # newest first: the period being chased is the first one a phone shows
    assert periods[:4] == ["6T/2025", "2024", "6T/2024", "2023"] and periods[-1] == "6T/2020"
    assert set(table["2024"]) <= {"Đúng hạn", "Trễ hạn", "Chưa nộp", "Bị từ chối"}


def test_a_files_errors_as_a_list_point_at_their_cells_and_stay_text():
    from plantrack.annotate import issue_rows
    from plantrack.issues import Issue
    from plantrack.plans import load_plans

    plan = load_plans().for_province("93")
    issues = [Issue("num-gt-den", "error", "BaoCao", "F11", "CT01", "Số đạt (150) lớn hơn Tổng số (100)."),
              Issue("not-a-number", "error", "[x](http://a.b)", "F13", "CT03", "Ô ghi **sáu mươi**, không phải số."),
              Issue("period-missing", "error", None, None, None, "Tệp không ghi kỳ báo cáo."),
              Issue("unit-mismatch", "error", "BaoCao", None, None, "Tệp này là báo cáo của đơn vị khác.")]
    lines = views.issue_lines(issue_rows(issues, plan)).split("\n")
    assert len(lines) == 4 and all(line.startswith("- ") for line in lines)
    assert lines[3].startswith("- **Trang BaoCao**: Tệp này")
    assert lines[0].startswith("- **Ô F11** (trang BaoCao) · CT01") and "lớn hơn Tổng số" in lines[0]
    assert "\\[x\\]\\(http\\:" in lines[1] and "\\*\\*sáu mươi\\*\\*" in lines[1]  # the file's text, escaped
    assert lines[2].startswith("- **Cả tệp**: ")
