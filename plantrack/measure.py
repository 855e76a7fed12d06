"""Measuring accepted returns against the plan: values, statuses, completeness.

A unit's value for an indicator and period is Σ numerators ÷ Σ denominators over the
reporting units that reported it (newest accepted version of each return), never an average
of percentages; CT08 (yes/no) is stored as 1/1 or 0/1, so the same sum gives units answering
"Có" ÷ units answering. A unit that did not report is left out of both sums and counted as
not reported, never as zero.

Across the 2025 reform (units.md) a province of today is measured over its predecessors'
districts for old-map periods and over its communes for new-map ones: one series from the
plan's first period to its last. The sums are done by DuckDB (``GROUP BY``); Python only
walks the few rows that come back.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from plantrack.plans import Indicator, Period, Plan, Plans, load_plans, parse_period
from plantrack.status import progress_status, projected_year, required_value
from plantrack.store import Store
from plantrack.units import NEW_MAP, OLD_MAP, Unit, Units, load_units

# --- which returns belong to a province ---------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The returns of a province: its (or its predecessors') old-map returns, and its own
    new-map returns when it is a province of today."""

    old_codes: tuple[str, ...]
    new_code: str | None

    def where(self, alias: str = "r") -> tuple[str, list]:
        parts, params = [], []
        if self.old_codes:
            marks = ", ".join("?" for _ in self.old_codes)
            parts.append(f"({alias}.map = '{OLD_MAP}' AND {alias}.province_code IN ({marks}))")
            params += list(self.old_codes)
        if self.new_code:
            parts.append(f"({alias}.map = '{NEW_MAP}' AND {alias}.province_code = ?)")
            params.append(self.new_code)
        return ("(" + " OR ".join(parts) + ")" if parts else "FALSE"), params


def province_unit(units: Units, province: Unit | str) -> Unit:
    """A province given as a Unit, or as a code or name read at an edge (units.md's rules)."""
    if isinstance(province, Unit):
        return province
    m = units.resolve_province(province)
    if m.unit is None:
        raise KeyError(f"unknown province {province!r}")
    return m.unit


def scope_of(units: Units, province: Unit) -> Scope:
    return Scope(tuple(p.code for p in units.lineage(province)),
                 province.code if province.map == NEW_MAP else None)


def plan_of(plans: Plans, units: Units, province: Unit) -> Plan:
    return plans.for_unit(province, units)


def expected_units(units: Units, plan: Plan, province: Unit, period: Period, indicator: str | None = None) -> list[Unit]:
    """The units expected to report ``indicator`` (any, if None) for ``province`` in ``period``:
    old-map periods, the districts of the predecessors whose plan has it; new-map periods,
    the province's communes."""
    if period.map == NEW_MAP:
        return units.reporting_units(province, NEW_MAP)
    out = []
    for p in units.lineage(province):
        if indicator is None or indicator in plan.indicators_for(p.code):
            out += units.districts_of(p.code)
    return out


# --- values ------------------------------------------------------------------------------

_UNIT_VALUES_SQL = """
SELECT r.district_code, r.period, v.indicator, v.numerator, v.denominator
FROM current_returns r JOIN return_values v ON v.return_id = r.id
WHERE v.numerator IS NOT NULL AND v.denominator IS NOT NULL AND {scope} {extra}
"""

_TOTALS_SQL = """
SELECT r.period, v.indicator, sum(v.numerator)::BIGINT, sum(v.denominator)::BIGINT, count(*)
FROM current_returns r JOIN return_values v ON v.return_id = r.id
WHERE v.numerator IS NOT NULL AND v.denominator IS NOT NULL AND {scope}
GROUP BY ALL
"""


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
            with_data = sorted(p for p, v in self.values.items() if v is not None and p.year >= indicator.baseline_year)
            annual = [p for p in with_data if not p.half]
            first = annual[0] if annual else (with_data[0] if with_data else None)
            self.baseline = self.values[first] if first else None
            self.baseline_year = first.t if first else None

    def status(self, period: Period) -> str:
        value = self.values.get(period)
        ind = self.indicator
        return progress_status(value, self.baseline, self.baseline_year, period.t, ind.target, ind.target_year,
                               ind.direction)

    def required(self, period: Period) -> float | None:
        if self.baseline is None or self.baseline_year is None or period.t <= self.baseline_year:
            return None
        return required_value(self.baseline, self.baseline_year, period.t, self.indicator.target,
                              self.indicator.target_year)

    def previous_value(self, period: Period) -> float | None:
        earlier = sorted((p for p, v in self.values.items() if p < period and v is not None), reverse=True)
        return self.values[earlier[0]] if earlier else None


def _plan_periods(plan: Plan) -> list[Period]:
    """``plan.periods()``, made once per plan (plans are loaded once and never change)."""
    cached = plan.__dict__.get("_periods_list")
    if cached is None:
        cached = plan.__dict__["_periods_list"] = plan.periods()
    return cached


def _periods(plan: Plan) -> dict[str, Period]:
    return {p.code: p for p in _plan_periods(plan)}


def _province_series(store: Store, scope: Scope, plan: Plan) -> dict[str, Series]:
    """Indicator code -> the province's series (DuckDB sums the units)."""
    where, params = scope.where()
    known = _periods(plan)
    points: dict[str, dict[Period, tuple[int, int]]] = {}
    for period, code, n, d, _count in store.rows(_TOTALS_SQL.format(scope=where), params):
        p = known.get(period)
        if p is not None:
            points.setdefault(code, {})[p] = (int(n), int(d))
    return {code: Series(ind, "", pts) for code, pts in points.items() if (ind := plan.indicator(code))}


def _unit_series(store: Store, scope: Scope, plan: Plan, unit_code: str | None = None,
                 unit_codes: list[str] | None = None, map_: str | None = None) -> dict[tuple[str, str], Series]:
    """(unit code, indicator) -> the unit's series, for every unit of the scope (or one, or
    those of ``unit_codes`` on ``map_``: what a report of one period shows)."""
    where, params = scope.where()
    extra = ""
    if unit_code is not None:
        extra, params = "AND r.district_code = ?", [*params, unit_code]
    if unit_codes is not None:
        extra += " AND r.map = ? AND list_contains(?::VARCHAR[], r.district_code)"
        params = [*params, map_, unit_codes]
    known = _periods(plan)
    points: dict[tuple[str, str], dict[Period, tuple[int, int]]] = {}
    for unit, period, code, n, d in store.rows(_UNIT_VALUES_SQL.format(scope=where, extra=extra), params):
        p = known.get(period)
        if p is not None:
            points.setdefault((unit, code), {})[p] = (int(n), int(d))
    return {key: Series(ind, key[0], pts) for key, pts in points.items() if (ind := plan.indicator(key[1]))}


# --- the province report ------------------------------------------------------------------

def latest_period(store: Store, province: Unit | str | None = None, units: Units | None = None) -> str | None:
    """The latest period with any accepted return (in the province, if given)."""
    periods = periods_with_data(store, province, units)
    return periods[-1] if periods else None


def completeness(store: Store, province: Unit | str, period: str | Period, units: Units | None = None,
                 plans: Plans | None = None) -> dict:
    units = units or load_units()
    prov = province_unit(units, province)
    plan = plan_of(plans or load_plans(), units, prov)
    p = plan.period(period)
    expected = expected_units(units, plan, prov, p)
    where, params = scope_of(units, prov).where()
    received, on_time = store.rows(
        f"SELECT count(DISTINCT district_code), count(DISTINCT district_code) FILTER (WHERE on_time) "
        f"FROM returns r WHERE {where} AND period = ?", [*params, p.code])[0]
    return {"expected": len(expected), "received": int(received), "on_time": int(on_time)}


def unit_entry(unit: Unit, units: Units | None = None) -> dict:
    """A reporting unit in JSON (cli.md): ``district_code``/``district`` or
    ``commune_code``/``commune``, its map, and the generic ``unit_code``/``unit``."""
    level = unit.level
    out = {f"{level}_code": unit.code, level: unit.full_name, "map": unit.map,
           "unit_code": unit.code, "unit": unit.full_name}
    if level == "commune" and units is not None:
        out["former_districts"] = [d.full_name for d in units.former_districts(unit.code)]
    return out


def province_report(store: Store, province: Unit | str, period: str | Period | None = None,
                    units: Units | None = None, plans: Plans | None = None) -> dict:
    """The province's figures for a period, in the shape of ``report --json`` (cli.md), plus
    what the dashboard draws (names, required trajectory point, previous value)."""
    units = units or load_units()
    plans = plans or load_plans()
    with store.session():  # its queries share one opening of the store
        return _province_report(store, province_unit(units, province), period, units, plans)


def _province_report(store: Store, province: Unit, period: str | Period | None, units: Units, plans: Plans) -> dict:
    plan = plan_of(plans, units, province)
    scope = scope_of(units, province)
    code = period.code if isinstance(period, Period) else period
    code = code or latest_period(store, province, units)
    p = plan.period(code) if code else None
    base = {"province_code": province.code, "province": province.name, "province_map": province.map,
            "province_ref": units.province_ref(province), "province_label": units.province_label(province),
            "period": p.code if p else None, "period_label": p.label if p else None,
            "map": p.map if p else None, "unit_level": p.unit_level if p else None,
            "plan": {"id": plan.id, "document": plan.document, "title": plan.title}}
    preds = units.predecessors(province.code) if province.map == NEW_MAP else []
    if len(preds) > 1:
        base["predecessors"] = [{"province_code": q.code, "province": q.name, "map": q.map} for q in preds]
    if p is None:
        n = len(units.reporting_units(province, OLD_MAP if province.map == OLD_MAP else NEW_MAP))
        base["completeness"] = {"expected": n, "received": 0, "on_time": 0}
        base["indicators"] = [_indicator_entry(ind, None, None, [], n) for ind in plan.indicators]
        return base
    prov_series = _province_series(store, scope, plan)
    reporting = expected_units(units, plan, province, p)
    # only the units this period shows, on its map: a unit's status needs its own series only
    unit_series = _unit_series(store, scope, plan, unit_codes=[u.code for u in reporting], map_=p.map)
    base["completeness"] = completeness(store, province, p, units, plans)
    entries = [unit_entry(u, units) for u in reporting]
    indicators = []
    for ind in plan.indicators:
        expected = {u.code for u in expected_units(units, plan, province, p, ind.code)}
        unit_rows = []
        for entry in entries:
            if entry["unit_code"] not in expected:
                continue
            s = unit_series.get((entry["unit_code"], ind.code))
            n, den = s.points.get(p, (None, None)) if s else (None, None)
            unit_rows.append({**entry, "numerator": n, "denominator": den,
                              "value": _round(percent(n, den)), "status": s.status(p) if s else "no_data"})
        indicators.append(_indicator_entry(ind, prov_series.get(ind.code), p, unit_rows, len(unit_rows)))
    base["indicators"] = indicators
    return base


def _indicator_entry(ind: Indicator, series: Series | None, p: Period | None, unit_rows: list, total: int) -> dict:
    n, d = series.points.get(p, (None, None)) if series and p else (None, None)
    return {
        "code": ind.code, "group": ind.group, "name": ind.name, "short_name": ind.short_name, "kind": ind.kind,
        "numerator": n, "denominator": d, "value": _round(percent(n, d)),
        "target": int(ind.target) if ind.target.is_integer() else ind.target, "direction": ind.direction,
        "status": series.status(p) if series and p else "no_data",
        "required": _round(series.required(p)) if series and p else None,
        "previous_value": _round(series.previous_value(p)) if series and p else None,
        "units_reported": sum(1 for u in unit_rows if u["numerator"] is not None),
        "units_total": total,
        "units": unit_rows,
    }


# --- trajectories --------------------------------------------------------------------------

def _resolve_unit(units: Units, unit: Unit | str) -> Unit:
    if isinstance(unit, Unit):
        return unit
    if len(unit) == 3 and unit in units.districts:
        return units.districts[unit]
    if len(unit) == 5 and unit in units.communes:
        return units.communes[unit]
    return province_unit(units, unit)


def trajectory(store: Store, unit: Unit | str, indicator_code: str, units: Units | None = None,
               plans: Plans | None = None) -> dict:
    """A province's, district's or commune's series over every plan period. A province of
    today's series runs across the reform (its predecessors' districts, then its communes)."""
    units = units or load_units()
    plans = plans or load_plans()
    u = _resolve_unit(units, unit)
    if u.level == "province":
        province = u
    elif u.level == "district":
        province = units.provinces[u.parent]
    else:
        province = units.provinces_2025[u.parent]
    plan = plan_of(plans, units, province)
    ind = plan.indicator(indicator_code)
    if ind is None:
        raise KeyError(f"{indicator_code} is not an indicator of {plan.document}")
    with store.session():
        if u.level == "province":
            series = _province_series(store, scope_of(units, province), plan).get(indicator_code)
        else:
            scope = Scope((u.parent,), None) if u.map == OLD_MAP else Scope((), u.parent)
            series = _unit_series(store, scope, plan, u.code).get((u.code, indicator_code))
    points = []
    last = None
    periods = _plan_periods(plan)
    for p in periods:
        v = series.values.get(p) if series else None
        points.append({"period": p.code, "period_label": p.label, "t": p.t, "map": p.map, "value": _round(v),
                       "status": series.status(p) if series else "no_data"})
        if v is not None:
            last = p
    projection = None
    if series and last is not None:
        projection = projected_year(series.values[last], series.baseline, series.baseline_year, last.t, ind.target,
                                    ind.direction)
    reform_t = None
    for a, b in zip(periods, periods[1:]):
        if a.map != b.map:
            reform_t = (a.t + b.t) / 2  # 1/7/2025 falls between the last district and the first commune return
    name = units.province_label(u) if u.level == "province" else u.full_name
    return {"code": ind.code, "name": ind.name, "short_name": ind.short_name, "unit": name, "unit_code": u.code,
            "unit_level": u.level, "map": u.map,
            "baseline": _round(series.baseline) if series else None,
            "baseline_year": series.baseline_year if series else None,
            "target": ind.target, "target_year": ind.target_year, "direction": ind.direction, "points": points,
            "latest_period": last.code if last else None,
            "reform": {"date": units.reform_date.isoformat(), "t": reform_t} if reform_t is not None else None,
            "projection_year": round(projection, 1) if projection else None}


# --- comparing provinces ---------------------------------------------------------------------

def provinces_comparison(store: Store, indicator_code: str, period: str | Period, units: Units | None = None,
                         plans: Plans | None = None, map_: str = NEW_MAP) -> list[dict]:
    """Every province's value of one indicator in a period, ranked (no data last): today's 34
    (each over its predecessors for old-map periods), or the 63 former ones with ``map_='pre2025'``."""
    units = units or load_units()
    plans = plans or load_plans()
    code = period.code if isinstance(period, Period) else str(period)
    # one query for every province and period of the indicator; each province's series is then
    # the sum of its scope's parts (provinces merged whole, so the sums are exact)
    totals: dict[tuple[str, str, str], tuple[int, int]] = {}
    for m, prov, per, n, d in store.rows(
            "SELECT r.map, r.province_code, r.period, sum(v.numerator)::BIGINT, sum(v.denominator)::BIGINT "
            "FROM current_returns r JOIN return_values v ON v.return_id = r.id "
            "WHERE v.numerator IS NOT NULL AND v.denominator IS NOT NULL AND v.indicator = ? "
            "GROUP BY ALL", [indicator_code]):
        totals[(m, prov, per)] = (int(n), int(d))
    by_province: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}  # (map, province) -> period -> sums
    for (m, prov, per), sums in totals.items():
        by_province.setdefault((m, prov), {})[per] = sums
    table = units.provinces_2025 if map_ == NEW_MAP else units.provinces
    rows = []
    for prov in sorted(table.values(), key=lambda u: u.code):
        plan = plan_of(plans, units, prov)
        ind = plan.indicator(indicator_code)
        if ind is None:
            continue
        p = plan.period(code)
        scope = scope_of(units, prov)
        mine = [by_province[key] for key in [(OLD_MAP, c) for c in scope.old_codes]
                + ([(NEW_MAP, scope.new_code)] if scope.new_code else []) if key in by_province]
        points: dict[Period, tuple[int, int]] = {}
        for q in _plan_periods(plan):  # as _TOTALS_SQL: the scope's rows of each period, summed
            parts = [sums[q.code] for sums in mine if q.code in sums]
            if parts:
                points[q] = (sum(x[0] for x in parts), sum(x[1] for x in parts))
        own = [totals.get((OLD_MAP, c, code)) for c in scope.old_codes] if p.map == OLD_MAP \
            else [totals.get((NEW_MAP, scope.new_code, code))] if scope.new_code else []
        own = [x for x in own if x]
        n = sum(x[0] for x in own) if own else None
        d = sum(x[1] for x in own) if own else None
        status = Series(ind, "", points).status(p) if own else "no_data"
        rows.append({"province_code": prov.code, "province": units.province_label(prov), "map": prov.map,
                     "province_ref": units.province_ref(prov), "numerator": n, "denominator": d,
                     "value": _round(percent(n, d)), "status": status})
    rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["province"]))
    return rows


# --- completeness -------------------------------------------------------------------------------

def completeness_matrix(store: Store, province: Unit | str, units: Units | None = None,
                        plans: Plans | None = None, today=None) -> list[dict]:
    """Reporting units × periods due so far: on_time, late, missing or refused. Districts for
    old-map periods, communes (with the former districts they lie in) for new-map ones."""
    units = units or load_units()
    plans = plans or load_plans()
    prov = province_unit(units, province)
    plan = plan_of(plans, units, prov)
    today = today or dt.date.today()
    where, params = scope_of(units, prov).where()
    with store.session():
        accepted = {(d, p): bool(t) for d, p, t in store.rows(
            f"SELECT district_code, period, bool_or(on_time) FROM returns r WHERE {where} GROUP BY ALL", params)}
        refused = {(d, p) for d, p in store.rows(
            f"SELECT DISTINCT district_code, period FROM receipts r WHERE outcome = 'rejected' AND {where} "
            "AND district_code IS NOT NULL AND period IS NOT NULL", params)}
    rows = []
    for p in _plan_periods(plan):
        if plan.due_date(p) > today and not any(k[1] == p.code for k in accepted):
            continue  # not due yet and nobody has sent it
        for u in expected_units(units, plan, prov, p):
            key = (u.code, p.code)
            if key in accepted:
                state = "on_time" if accepted[key] else "late"
            elif key in refused:
                state = "refused"
            else:
                state = "missing"
            row = {**unit_entry(u, units), "period": p.code, "period_label": p.label, "state": state,
                   "due": p.due.isoformat() if p.due else None}
            if u.level == "district":
                row["group"] = units.provinces[u.parent].name
            else:
                row["group"] = ", ".join(units.former_district_label(d) for d in units.former_districts(u.code)) or None
            rows.append(row)
    return rows


def periods_with_data(store: Store, province: Unit | str | None = None, units: Units | None = None) -> list[str]:
    if province is None:
        rows = store.rows("SELECT DISTINCT period FROM returns")
    else:
        units = units or load_units()
        where, params = scope_of(units, province_unit(units, province)).where()
        rows = store.rows(f"SELECT DISTINCT period FROM returns r WHERE {where}", params)
    return [p.code for p in sorted(p for p in (parse_period(r[0]) for r in rows) if p)]


def provinces_with_data(store: Store, units: Units | None = None) -> list[Unit]:
    """The provinces with at least one accepted return: today's (through their predecessors'
    returns or their own) first, then the former ones, each sorted by code."""
    units = units or load_units()
    have = set(store.rows("SELECT DISTINCT map, province_code FROM returns"))
    old = {c for m, c in have if m == OLD_MAP}
    new = {c for m, c in have if m == NEW_MAP}
    today = [p for c, p in sorted(units.provinces_2025.items())
             if c in new or any(q.code in old for q in units.predecessors(c))]
    former = [units.provinces[c] for c in sorted(old) if c in units.provinces]
    return today + former
