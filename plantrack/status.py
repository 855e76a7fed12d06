"""Progress status, as plan-targets.md defines it (Open SDG's bands on linear gains)."""

from __future__ import annotations

ON_TRACK = 0.95
NEEDS_ACCELERATION = 0.6

STATUSES = ("achieved", "on_track", "needs_acceleration", "limited_progress", "deteriorating", "baseline", "no_data")


def _sign(direction: str) -> float:
    """'at_least' targets are measured as they are; 'at_most' ones (a rate to bring down) are
    mirrored, so that one set of formulas serves both (plan-targets.md)."""
    if direction not in ("at_least", "at_most"):
        raise ValueError(f"direction must be 'at_least' or 'at_most', not {direction!r}")
    return 1.0 if direction == "at_least" else -1.0


def required_value(baseline: float, baseline_year: float, t: float, target: float = 100.0,
                   target_year: float = 2025.0) -> float:
    """The point on the straight line from the baseline to the target at time t."""
    return baseline + (target - baseline) * (t - baseline_year) / (target_year - baseline_year)


def progress_status(value: float | None, baseline: float | None, baseline_year: float | None, t: float,
                    target: float = 100.0, target_year: float = 2025.0, direction: str = "at_least") -> str:
    """Status of value v at time t against baseline b (year y0) and target T (year y1).

    achieved if v ≥ T; baseline if t ≤ y0; else q = (v − b) ÷ ((T − b)(t − y0)/(y1 − y0)):
    on_track q ≥ 0.95, needs_acceleration 0.6 ≤ q < 0.95, limited_progress 0 ≤ q < 0.6,
    deteriorating q < 0 (and whenever b ≥ T but v < T); no_data without a value.
    """
    if value is None:
        return "no_data"
    k = _sign(direction)
    value, target = k * value, k * target
    baseline = None if baseline is None else k * baseline
    if value >= target:
        return "achieved"
    if baseline is None or baseline_year is None:
        return "no_data"
    if t <= baseline_year:
        return "baseline"
    required_gain = (target - baseline) * (t - baseline_year) / (target_year - baseline_year)
    if required_gain <= 0:
        return "deteriorating"
    q = (value - baseline) / required_gain
    if q >= ON_TRACK:
        return "on_track"
    if q >= NEEDS_ACCELERATION:
        return "needs_acceleration"
    if q >= 0:
        return "limited_progress"
    return "deteriorating"


def projected_year(value: float | None, baseline: float | None, baseline_year: float | None, t: float,
                   target: float = 100.0, direction: str = "at_least") -> float | None:
    """The year the target is reached at the pace shown since the baseline; None if never or unknown."""
    if value is None or baseline is None or baseline_year is None or t <= baseline_year:
        return None
    k = _sign(direction)
    value, baseline, target = k * value, k * baseline, k * target
    if value >= target:
        return None
    pace = (value - baseline) / (t - baseline_year)
    if pace <= 0:
        return None
    return t + (target - value) / pace
