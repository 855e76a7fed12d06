import shutil
import unicodedata

import pytest

from plantrack.plans import INDICATORS_DIR, Period, PlanError, load_plans, parse_period


def test_every_plan_file_loads_and_the_national_plan_is_the_default():
    plans = load_plans()
    assert plans.national.document == "Quyết định 1863/QĐ-TTg"
    assert plans.national.codes == [f"CT0{i}" for i in range(1, 9)]
    assert plans.for_province("01") is plans.national  # Hà Nội has no plan file of its own
    assert plans.for_province("93").document == "Kế hoạch 1960/KH-UBND"
    for code in ("27", "06", "38"):  # provinces that monitor the national targets
        assert plans.for_province(code).codes == plans.national.codes


def test_hai_phong_adds_ct09_and_keeps_the_national_targets():
    plan = load_plans().for_province("31")
    assert plan.codes == [f"CT0{i}" for i in range(1, 10)]
    assert plan.indicator("CT09").group == "facilities"


def test_indicators_carry_everything_the_dashboard_shows():
    for ind in load_plans().national.indicators:
        assert ind.target == 100 and ind.baseline_year == 2020 and ind.target_year == 2025
        assert ind.name and ind.numerator and ind.denominator and ind.source
    assert load_plans().national.indicator("CT08").kind == "yesno"


def test_periods_and_due_dates():
    plan = load_plans().national
    periods = plan.periods()
    assert [p.code for p in periods[:3]] == ["2020H1", "2020", "2021H1"]
    assert len(periods) == 12
    assert str(plan.due_date(Period(2023, True))) == "2023-05-15"
    assert str(plan.due_date(Period(2023, False))) == "2023-11-30"
    assert Period(2023, True).t == 2022.5 and Period(2023, False).t == 2023


@pytest.mark.parametrize("text, code", [
    ("2023H1", "2023H1"), ("2023", "2023"), (2023, "2023"), ("2023h1", "2023H1"),
    ("6 tháng đầu năm 2023", "2023H1"), ("Báo cáo 6 tháng năm 2023", "2023H1"),
    ("Năm 2023", "2023"), ("Báo cáo năm 2023", "2023"), ("NĂM 2023", "2023"),
    ("6 thang dau nam 2023", "2023H1"), (unicodedata.normalize("NFD", "6 tháng đầu năm 2023"), "2023H1"),
    ("Năm 2023 (từ 01/12/2022 đến 30/11/2023)", "2023"),
])
def test_period_labels_seen_on_real_forms(text, code):
    assert parse_period(text).code == code


@pytest.mark.parametrize("text", [None, "", "quý 3", "Quý II/2023", "9 tháng năm 2023", "Báo cáo tháng 6 năm 2023",
                                  "6 tháng cuối năm 2023", "từ 2022 đến 2023", 2023.5, True])
def test_unrecognisable_periods(text):
    assert parse_period(text) is None


def _broken_copy(tmp_path, name, old, new):
    for f in INDICATORS_DIR.glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("name, old, new, expected", [
    ("national-1863.toml", 'kind = "yesno"', 'kind = "maybe"', "national-1863.toml: indicators[7].kind"),
    ("national-1863.toml", 'group = "families"', 'group = "pets"', "indicators[0].group"),
    ("national-1863.toml", 'target = 100\n', 'target = "all"\n', "indicators[0].target"),
    ("haiphong-76.toml", 'extends = "national-1863"', 'extends = "nowhere"', "haiphong-76.toml: plan.extends"),
    ("haugiang-1960.toml", 'provinces = ["93"]', 'provinces = ["31"]', "province 31 also in"),
    ("national-1863.toml", 'h1_due = "05-15"', 'h1_due = "15/05"', "reporting.h1_due"),
    ("bacninh-121.toml", '[plan]', '[plan\n', "bacninh-121.toml: not valid TOML"),
])
def test_a_wrong_plan_file_fails_loudly_naming_file_and_key(tmp_path, name, old, new, expected):
    _broken_copy(tmp_path, name, old, new)
    with pytest.raises(PlanError) as err:
        load_plans(tmp_path)
    assert expected in str(err.value)
