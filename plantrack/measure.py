"""Measuring accepted returns against the plan: values, statuses, completeness.

A unit's value for an indicator and period is Σ numerators ÷ Σ denominators over the
districts that reported it (newest accepted version of each return), never an average of
percentages; CT08 (yes/no) is stored as 1/1 or 0/1, so the same sum gives districts
answering "Có" ÷ districts answering. A district that did not report is left out of both
sums and counted as not reported, never as zero.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from plantrack.plans import Indicator, Period, Plan, Plans, load_plans, parse_period
from plantrack.status import progress_status, projected_year, required_value
from plantrack.store import Store
from plantrack.units import Units, load_units

_VALUES_SQL = """
SELECT r.province_code, r.district_code, r.period, v.indicator, v.numerator, v.denominator
FROM current_returns r JOIN return_values v ON v.return_id = r.id
WHERE v.numerator IS NOT NULL AND v.denominator IS NOT NULL {where}
"""


def load_values(store: Store, province_code: str | None = None) -> pd.DataFrame:
    """Reported values of current returns (one row per district, period, indicator)."""
    if province_code:
        return store.query(_VALUES_SQL.format(where="AND r.province_code = ?"), [province_code])
    return store.query(_VALUES_SQL.format(where=""))


def aggregate(values: pd.DataFrame, by: str) -> pd.DataFrame:
    """Σ numerator, Σ denominator and units reporting per (by, period, indicator)."""
    if values.empty:
        return pd.DataFrame(columns=[by, "period", "indicator", "numerator", "denominator", "units_reported"])
    out = values.groupby([by, "period", "indicator"], as_index=False).agg(
        numerator=("numerator", "sum"), denominator=("denominator", "sum"), units_reported=("district_code", "nunique"))
    out["numerator"] = out["numerator"].astype("int64")
    out["denominator"] = out["denominator"].astype("int64")
    return out


def percent(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return 100.0 * numerator / denominator


def _round(v: float | None) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, 2)


class Series:
    """One unit's values of one indicator over periods, with its baseline."""

    def __init__(self, indicator: Indicator, unit_code: str, points: dict[Period, tuple[int, int]]):
        self.indicator = indicator
        self.points = points  # period -> (Σ numerator, Σ denominator)
        self.values = {p: percent(n, d) for p, (n, d) in points.items()}
        stated = indicator.baselines.get(unit_code)
        if stated is not None:
            self.baseline, self.baseline_year = stated, float(indicator.baseline_year)
        else:
            with_data = sorted(p for p, v in self.values.items() if v is not None)
            annual = [p for p in with_data if not p.half]
            first = annual[0] if annual else (with_data[0] if with_data else None)
            self.baseline = self.values[first] if first else None
            self.baseline_year = first.t if first else None

    def status(self, period: Period) -> str:
        value = self.values.get(period)
        return progress_status(value, self.baseline, self.baseline_year, period.t,
                               self.indicator.target, self.indicator.target_year)

    def required(self, period: Period) -> float | None:
        if self.baseline is None or self.baseline_year is None or period.t <= self.baseline_year:
            return None
        return required_value(self.baseline, self.baseline_year, period.t, self.indicator.target,
                              self.indicator.target_year)

    def previous_value(self, period: Period) -> float | None:
        earlier = sorted((p for p, v in self.values.items() if p < period and v is not None), reverse=True)
        return self.values[earlier[0]] if earlier else None


def _series_by_unit(agg: pd.DataFrame, key: str, plan: Plan) -> dict[tuple[str, str], Series]:
    points: dict[tuple[str, str], dict[Period, tuple[int, int]]] = {}
    for row in agg.itertuples(index=False):
        p = parse_period(row.period)
        points.setdefault((getattr(row, key), row.indicator), {})[p] = (int(row.numerator), int(row.denominator))
    out = {}
    for (unit, code), pts in points.items():
        ind = plan.indicator(code)
        if ind is not None:
            out[(unit, code)] = Series(ind, unit, pts)
    return out


def latest_period(store: Store, province_code: str | None = None) -> str | None:
    """The latest period with any accepted return (in the province, if given)."""
    periods = periods_with_data(store, province_code)
    return periods[-1] if periods else None


def completeness(store: Store, province_code: str, period: str, units: Units) -> dict:
    expected = len(units.districts_of(province_code))
    received, on_time = store.rows(
        "SELECT count(DISTINCT district_code), count(DISTINCT district_code) FILTER (WHERE on_time) "
        "FROM returns WHERE province_code = ? AND period = ?", [province_code, period])[0]
    return {"expected": expected, "received": int(received), "on_time": int(on_time)}


def province_report(store: Store, province_code: str, period: str | None = None,
                    units: Units | None = None, plans: Plans | None = None) -> dict:
    """The province's figures for a period, in the shape of ``report --json`` (cli.md), plus
    what the dashboard draws (names, required trajectory point, previous value)."""
    with store.session():  # its three queries share one opening of the store
        return _province_report(store, province_code, period, units or load_units(), plans or load_plans())


def _province_report(store: Store, province_code: str, period: str | None, units: Units, plans: Plans) -> dict:
    province = units.provinces[province_code]
    plan = plans.for_province(province_code)
    period = period or latest_period(store, province_code)
    base = {"province_code": province_code, "province": province.name, "period": period,
            "period_label": parse_period(period).label if period else None,
            "plan": {"id": plan.id, "document": plan.document, "title": plan.title}}
    districts = units.districts_of(province_code)
    if period is None:
        base["completeness"] = {"expected": len(districts), "received": 0, "on_time": 0}
        base["indicators"] = [_indicator_entry(ind, None, None, [], len(districts)) for ind in plan.indicators]
        return base
    p = parse_period(period)
    if p is None:
        raise ValueError(f"not a reporting period: {period!r}")
    values = load_values(store, province_code)
    prov_series = _series_by_unit(aggregate(values, "province_code"), "province_code", plan)
    dist_series = _series_by_unit(aggregate(values, "district_code"), "district_code", plan)
    base["completeness"] = completeness(store, province_code, period, units)
    indicators = []
    for ind in plan.indicators:
        series = prov_series.get((province_code, ind.code))
        unit_rows = []
        for d in districts:
            s = dist_series.get((d.code, ind.code))
            n, den = s.points.get(p, (None, None)) if s else (None, None)
            unit_rows.append({"district_code": d.code, "district": d.full_name, "numerator": n, "denominator": den,
                              "value": _round(percent(n, den)), "status": s.status(p) if s else "no_data"})
        indicators.append(_indicator_entry(ind, series, p, unit_rows, len(districts)))
    base["indicators"] = indicators
    return base


def _indicator_entry(ind: Indicator, series: Series | None, p: Period | None, unit_rows: list, total: int) -> dict:
    n, d = series.points.get(p, (None, None)) if series and p else (None, None)
    return {
        "code": ind.code, "group": ind.group, "name": ind.name, "short_name": ind.short_name, "kind": ind.kind,
        "numerator": n, "denominator": d, "value": _round(percent(n, d)), "target": int(ind.target) if ind.target.is_integer() else ind.target,
        "status": series.status(p) if series and p else "no_data",
        "required": _round(series.required(p)) if series and p else None,
        "previous_value": _round(series.previous_value(p)) if series and p else None,
        "units_reported": sum(1 for u in unit_rows if u["numerator"] is not None),
        "units_total": total,
        "units": unit_rows,
    }


def trajectory(store: Store, unit_code: str, indicator_code: str, units: Units | None = None,
               plans: Plans | None = None) -> dict:
    """A province's (2-digit code) or district's (3-digit code) series over every plan period."""
    units = units or load_units()
    plans = plans or load_plans()
    is_district = unit_code in units.districts and len(unit_code) == 3
    province_code = units.districts[unit_code].province_code if is_district else unit_code
    plan = plans.for_province(province_code)
    ind = plan.indicator(indicator_code)
    if ind is None:
        raise KeyError(f"{indicator_code} is not an indicator of {plan.document}")
    key = "district_code" if is_district else "province_code"
    values = load_values(store, province_code)
    series = _series_by_unit(aggregate(values, key), key, plan).get((unit_code, indicator_code))
    name = units.districts[unit_code].full_name if is_district else units.provinces[unit_code].name
    points = []
    last = None
    for p in plan.periods():
        v = series.values.get(p) if series else None
        points.append({"period": p.code, "period_label": p.label, "t": p.t, "value": _round(v),
                       "status": series.status(p) if series else "no_data"})
        if v is not None:
            last = p
    projection = None
    if series and last is not None:
        projection = projected_year(series.values[last], series.baseline, series.baseline_year, last.t, ind.target)
    return {"code": ind.code, "name": ind.name, "short_name": ind.short_name, "unit": name, "unit_code": unit_code,
            "baseline": _round(series.baseline) if series else None,
            "baseline_year": series.baseline_year if series else None,
            "target": ind.target, "target_year": ind.target_year, "points": points,
            "latest_period": last.code if last else None,
            "projection_year": round(projection, 1) if projection else None}


def provinces_comparison(store: Store, indicator_code: str, period: str, units: Units | None = None,
                         plans: Plans | None = None) -> list[dict]:
    """Every province's value of one indicator in a period, ranked (no data last)."""
    units = units or load_units()
    plans = plans or load_plans()
    series = {}
    agg = aggregate(load_values(store), "province_code")
    p = parse_period(period)
    for code in {c for c in agg["province_code"]} if not agg.empty else set():
        plan = plans.for_province(code)
        series.update(_series_by_unit(agg[agg["province_code"] == code], "province_code", plan))
    rows = []
    for code, prov in sorted(units.provinces.items()):
        plan = plans.for_province(code)
        if plan.indicator(indicator_code) is None:
            continue
        s = series.get((code, indicator_code))
        n, d = s.points.get(p, (None, None)) if s else (None, None)
        rows.append({"province_code": code, "province": prov.name, "numerator": n, "denominator": d,
                     "value": _round(percent(n, d)), "status": s.status(p) if s else "no_data"})
    rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["province"]))
    return rows


def completeness_matrix(store: Store, province_code: str, units: Units | None = None,
                        plans: Plans | None = None, today=None) -> list[dict]:
    """Districts × periods due so far: on_time, late, missing or refused."""
    units = units or load_units()
    plans = plans or load_plans()
    plan = plans.for_province(province_code)
    today = today or dt.date.today()
    accepted = {(d, p): bool(t) for d, p, t in store.rows(
        "SELECT district_code, period, bool_or(on_time) FROM returns WHERE province_code = ? GROUP BY ALL",
        [province_code])}
    refused = {(d, p) for d, p in store.rows(
        "SELECT DISTINCT district_code, period FROM receipts WHERE outcome = 'rejected' AND province_code = ? "
        "AND district_code IS NOT NULL AND period IS NOT NULL", [province_code])}
    rows = []
    for p in plan.periods():
        if plan.due_date(p) > today and not any(k[1] == p.code for k in accepted):
            continue  # not due yet and nobody has sent it
        for d in units.districts_of(province_code):
            key = (d.code, p.code)
            if key in accepted:
                state = "on_time" if accepted[key] else "late"
            elif key in refused:
                state = "refused"
            else:
                state = "missing"
            rows.append({"district_code": d.code, "district": d.full_name, "period": p.code,
                         "period_label": p.label, "state": state})
    return rows


def periods_with_data(store: Store, province_code: str | None = None) -> list[str]:
    rows = store.rows("SELECT DISTINCT period FROM returns" + (" WHERE province_code = ?" if province_code else ""),
                      [province_code] if province_code else [])
    return [p.code for p in sorted(p for p in (parse_period(r[0]) for r in rows) if p)]


def provinces_with_data(store: Store) -> list[str]:
    """Codes of the provinces with at least one accepted return, sorted."""
    return [r[0] for r in store.rows("SELECT DISTINCT province_code FROM returns ORDER BY 1")]
