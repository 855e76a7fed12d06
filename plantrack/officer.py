"""An officer's own unit at a glance ("Đơn vị của tôi"): what is due and when, what was
received and refused, the unit's own figures against the targets, and the next form to fill.

A district officer's unit reports the old map's periods (until 2025H1), a commune officer's
the new map's (units.md); each period is one of: received on time, received late, refused
(every file sent was refused: the errors are listed), missing (overdue), or due later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from plantrack.history import receipt_issues, return_history
from plantrack.measure import trajectory
from plantrack.plans import Period, Plan, Plans, load_plans
from plantrack.store import Store
from plantrack.units import OLD_MAP, Unit, Units, load_units

STATE_VI = {"on_time": "Đã nộp đúng hạn", "late": "Đã nộp, trễ hạn", "refused": "Bị từ chối, cần nộp lại",
            "missing": "Chưa nộp, đã quá hạn", "due": "Chưa đến hạn"}


@dataclass
class PeriodDuty:
    """One period of the unit: its due date, where it stands, and what was received for it."""

    period: Period
    state: str  # on_time | late | refused | missing | due
    days: int  # days left until the due date (≥ 0) or days overdue (< 0)
    versions: list[dict] = field(default_factory=list)  # accepted versions, newest first
    refused: list[dict] = field(default_factory=list)  # refused files, newest first, each with its "issues"

    @property
    def state_label(self) -> str:
        return STATE_VI[self.state]

    @property
    def days_text(self) -> str:
        if self.state in ("on_time", "late"):
            return ""
        if self.days >= 0:
            return f"còn {self.days} ngày" if self.days else "hạn chót hôm nay"
        return f"quá hạn {-self.days} ngày"


def plan_of_unit(unit: Unit, units: Units, plans: Plans) -> tuple[Unit, Plan]:
    """The unit's province (on the unit's map) and the plan it reports under."""
    if unit.map == OLD_MAP:
        province = units.provinces[unit.parent]
        return province, plans.for_province(province.code)
    province = units.provinces_2025[unit.parent]
    return province, plans.for_unit(province, units)


def unit_duties(store: Store, unit: Unit, today: dt.date | None = None, units: Units | None = None,
                plans: Plans | None = None) -> list[PeriodDuty]:
    """Every period of the unit's map in its plan, newest first."""
    units, plans = units or load_units(), plans or load_plans()
    today = today or dt.date.today()
    _, plan = plan_of_unit(unit, units, plans)
    history = return_history(store, unit.code)
    out = []
    for p in plan.periods():
        if p.map != unit.map:
            continue
        mine = [r for r in history if r["period"] == p.code]
        versions = [r for r in mine if r["outcome"] == "accepted"]
        refused = [r for r in mine if r["outcome"] == "rejected"]
        days = (p.due - today).days
        if versions:
            state = "on_time" if any(v["on_time"] for v in versions) else "late"
        elif refused:
            state = "refused"
        else:
            state = "missing" if days < 0 else "due"
        for r in refused:
            r["issues"] = [i for i in receipt_issues(store, r["receipt_id"]) if i["severity"] == "error"]
        out.append(PeriodDuty(p, state, days, versions, refused))
    out.sort(key=lambda d: d.period.sort_key, reverse=True)
    return out


def next_due(duties: list[PeriodDuty]) -> PeriodDuty | None:
    """The period to fill next: the oldest one overdue or refused, else the nearest one due."""
    behind = [d for d in duties if d.state in ("missing", "refused")]
    if behind:
        return min(behind, key=lambda d: d.period.sort_key)
    coming = [d for d in duties if d.state == "due"]
    return min(coming, key=lambda d: d.period.sort_key) if coming else None


def unit_figures(store: Store, unit: Unit, units: Units | None = None, plans: Plans | None = None) -> list[dict]:
    """The unit's latest value of each indicator, with its status and the target."""
    units, plans = units or load_units(), plans or load_plans()
    _, plan = plan_of_unit(unit, units, plans)
    rows = []
    for ind in plan.indicators:
        traj = trajectory(store, unit, ind.code, units, plans)
        latest = next((pt for pt in reversed(traj["points"]) if pt["value"] is not None), None)
        rows.append({"code": ind.code, "short_name": ind.short_name, "kind": ind.kind,
                     "period": latest["period"] if latest else None,
                     "period_label": latest["period_label"] if latest else None,
                     "value": latest["value"] if latest else None, "status": latest["status"] if latest else "no_data",
                     "target": ind.target, "target_year": ind.target_year})
    return rows
