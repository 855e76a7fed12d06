import pytest
from hypothesis import given
from hypothesis import strategies as st

from plantrack.status import progress_status, projected_year, required_value


@pytest.mark.parametrize("v, b, y0, t, expected", [
    (100, 40, 2020, 2023, "achieved"),
    (55, 40, 2020, 2020, "baseline"),
    (76, 40, 2020, 2023, "on_track"),          # required gain 36, actual 36 → q = 1
    (74.2, 40, 2020, 2023, "on_track"),        # q = 0.95 exactly
    (62, 40, 2020, 2023, "needs_acceleration"),  # q = 22/36 = 0.61
    (50, 40, 2020, 2023, "limited_progress"),  # q = 0.28
    (40, 40, 2020, 2023, "limited_progress"),  # q = 0
    (39, 40, 2020, 2023, "deteriorating"),
    (None, 40, 2020, 2023, "no_data"),
    (99, 100, 2020, 2023, "deteriorating"),    # b ≥ T and v < T
    (70, 40, 2020, 2022.5, "on_track"),        # an H1 period: t = year − 0.5; required 30, actual 30
])
def test_status_bands_as_plan_targets_defines_them(v, b, y0, t, expected):
    assert progress_status(v, b, y0, t) == expected


def test_required_value_is_the_straight_line_to_100_in_2025():
    assert required_value(40, 2020, 2020) == 40
    assert required_value(40, 2020, 2025) == 100
    assert required_value(40, 2020, 2022.5) == 70


def test_projection_at_current_pace():
    assert projected_year(60, 40, 2020, 2022) == pytest.approx(2026.0)  # +10/year from 60 → 100 in 4 years
    assert projected_year(40, 40, 2020, 2022) is None  # no progress: never
    assert projected_year(100, 40, 2020, 2022) is None


@given(st.floats(0, 100), st.floats(0, 99.9), st.sampled_from([2020.5, 2021, 2022.5, 2024, 2025]))
def test_status_is_always_one_of_the_defined_values(v, b, t):
    assert progress_status(v, b, 2020, t) in {"achieved", "on_track", "needs_acceleration", "limited_progress",
                                              "deteriorating"}
