"""Small builders shared by the tests: template returns and stores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from plantrack.ingest import ingest_bytes
from plantrack.plans import load_plans, parse_period
from plantrack.store import Store
from plantrack.template import template_bytes
from plantrack.units import load_units


def make_return(district_code: str, period: str, values: dict | None = None) -> bytes:
    """A filled official template for a district (3 digits) or a commune of today (5 digits)
    and a period; values: code -> (Tổng số, Số đạt)."""
    units = load_units()
    if len(district_code) == 5:
        c = units.communes[district_code]
        province = units.provinces_2025[c.parent]
        plan = load_plans().for_unit(province, units)
        return template_bytes(plan, province, c, plan.period(period), values=values or {})
    d = units.districts[district_code]
    province = units.provinces[d.province_code]
    plan = load_plans().for_province(d.province_code)
    return template_bytes(plan, province, d, parse_period(period), values=values or {})


def full_values(district_code: str, scale: int = 1) -> dict:
    units = load_units()
    if len(district_code) == 5:
        plan = load_plans().for_unit(units.provinces_2025[units.communes[district_code].parent], units)
    else:
        plan = load_plans().for_province(units.districts[district_code].province_code)
    out = {}
    for n, ind in enumerate(plan.indicators, 1):
        out[ind.code] = (None, "Có") if ind.is_yesno else (100 * n * scale, 50 * n * scale)
    return out


def load(store: Store, district_code: str, period: str, values: dict | None = None,
         received: dt.datetime | None = None, name: str | None = None):
    data = make_return(district_code, period, values if values is not None else full_values(district_code))
    return ingest_bytes(store, data, name or f"{district_code}-{period}.xlsx",
                        received=received or dt.datetime(2020, 1, 1))


def new_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "test.duckdb")
