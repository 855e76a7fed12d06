"""Demo data: realistic returns for the seed provinces, made with the real template and loaded
through the real ingest path (so the demo exercises what districts will do).

Deterministic (a fixed seed): some districts on track, some behind, one going backwards; a
few returns missing, a few late, one refused file followed by its correction.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Callable

from plantrack.ingest import ingest_many
from plantrack.plans import Period, Plan, load_plans
from plantrack.store import Store
from plantrack.template import FormWriter
from plantrack.units import NEW_MAP, OLD_MAP, Unit, load_units

# Today's Cần Thơ (← Cần Thơ, Hậu Giang, Sóc Trăng), Hải Phòng (← Hải Phòng, Hải Dương), Bắc Ninh
# (← Bắc Ninh, Bắc Giang), Thái Nguyên (← Thái Nguyên, Bắc Kạn) and Thanh Hóa (unchanged): the
# provinces of the plans in indicators/, with every predecessor.
SEED_PROVINCES = ("92", "31", "24", "19", "38")
SEED = 1863

# denominators: (low, high) per indicator, for a district
# how fast each indicator moves, relative to the straight line (training staff is quick,
# reaching every family slow), so that the province's indicators do not all share one status
INDICATOR_PACE = {"CT01": 0.85, "CT02": 0.95, "CT03": 1.3, "CT04": 0.7, "CT05": 1.35, "CT06": 0.55,
                  "CT07": 1.1, "CT09": 0.75}
SIZES = {
    "CT01": (12000, 60000), "CT02": (9000, 45000), "CT03": (60, 320), "CT04": (35, 130),
    "CT05": (10, 28), "CT06": (6, 30), "CT07": (4, 45), "CT09": (1, 6),
}


@dataclass
class DistrictProfile:
    baseline: dict[str, float]  # percent in 2020
    pace: float  # 1.0 = exactly on the straight line to 100 % in 2025
    sizes: dict[str, int]
    service_year: float  # when CT08 becomes "Có"


def _profile(rng: random.Random, plan: Plan, n: int) -> DistrictProfile:
    # one district in every eight falls behind badly, one goes backwards, the rest vary around the line
    kind = n % 8
    pace = {0: 1.15, 3: 0.45, 5: -0.25}.get(kind, rng.uniform(0.75, 1.1))
    baseline = {ind.code: rng.uniform(28, 72) for ind in plan.indicators if not ind.is_yesno}
    sizes = {code: rng.randint(*SIZES[code]) for code in baseline}
    return DistrictProfile(baseline, pace, sizes, rng.choice([2020.5, 2021, 2022, 2023, 2024.5, 2026]))


def _values(rng: random.Random, plan: Plan, prof: DistrictProfile, period: Period) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    years = period.t - 2020
    for ind in plan.indicators:
        if ind.is_yesno:
            out[ind.code] = (None, "Có" if period.t >= prof.service_year else "Không")
            continue
        b = prof.baseline[ind.code]
        v = b + (100 - b) * years / 5 * prof.pace * INDICATOR_PACE[ind.code] + rng.uniform(-2.5, 2.5)
        v = max(3.0, min(100.0, v))
        den = max(1, round(prof.sizes[ind.code] * (1 + 0.01 * years + rng.uniform(-0.02, 0.02))))
        out[ind.code] = (den, min(den, round(den * v / 100)))
    if rng.random() < 0.08:  # an indicator left empty now and then: not reported, never zero
        code = rng.choice([c for c in out if c not in ("CT01", "CT08")])
        out[code] = (None, None)
    return out


def _received(rng: random.Random, plan: Plan, period: Period, late: bool) -> dt.datetime:
    due = plan.due_date(period)
    days = rng.randint(3, 40) if late else -rng.randint(0, 12)
    return dt.datetime.combine(due + dt.timedelta(days=days), dt.time(9, 30))


def build_demo(store: Store, log: Callable[[str], None] = lambda s: None,
               provinces: tuple[str, ...] = SEED_PROVINCES) -> dict[str, int]:
    """Fill the store with demo returns (skipped if it already holds returns). ``provinces`` are
    named as at the edges (units.md): today's province (its predecessors' districts until
    2025H1, its communes after) or, with an old-only code such as ``93``, a former province."""
    if store.rows("SELECT count(*) FROM returns")[0][0]:
        log("Cơ sở dữ liệu đã có báo cáo; bỏ qua dữ liệu mẫu.")
        return {"accepted": 0, "unchanged": 0, "rejected": 0}
    from plantrack.accounts import ensure_demo_users

    for username, password in ensure_demo_users(store):
        log(f"Tài khoản mẫu: {username} / {password}")
    counts = {"accepted": 0, "unchanged": 0, "rejected": 0}
    files: list[tuple[str, bool]] = []  # (what to log if it is not accepted, whether that is news)
    forms = _forms(log, provinces, files)
    # the forms are made as they are checked (the checks run in two processes, the store in this one);
    # plantrack wrote them, so a batch of them is stored in one transaction (every check the same)
    for n, outcome in enumerate(ingest_many(store, forms, grouped=True)):
        counts[outcome.status] += 1
        label, news = files[n]
        if news and outcome.status != "accepted":
            log(f"  {label}: {outcome.status}")
    log(f"Đã nạp: {counts}")
    return counts


class _Form:
    """A demo form, written when called: in the worker process that checks it, not in the one
    that stores (picklable; one ``FormWriter`` per process)."""

    _writer: FormWriter | None = None

    def __init__(self, plan: Plan, province: Unit, district: Unit, period: Period, values: dict) -> None:
        self.args = (plan, province, district, period, values)

    def __call__(self) -> bytes:
        if _Form._writer is None:
            _Form._writer = FormWriter()
        plan, province, district, period, values = self.args
        return _Form._writer.form_bytes(plan, province, district, period, values=values)


def _forms(log: Callable[[str], None], provinces: tuple[str, ...], files: list):
    """Every demo return as (name, bytes, sender, received), in the order they are loaded."""
    units, plans = load_units(), load_plans()
    rng = random.Random(SEED)

    def _load(plan, province, district: Unit, period: Period, values, received, tag="", news=True):
        data = _Form(plan, province, district, period, values)  # made where it is checked
        name = f"demo/{province.code}/{district.code}-{period.code}{'-' + tag if tag else ''}.xlsx"
        files.append((f"{district.full_name} {period.code}", news))
        return name, data, f"demo-{district.code}", received

    for ref in provinces:
        today = units.resolve_province(ref).unit
        if today is None:
            raise KeyError(f"unknown province {ref!r}")
        profiles: dict[str, DistrictProfile] = {}
        for old in units.lineage(today):
            plan = plans.for_province(old.code)
            districts = units.districts_of(old.code)
            profiles.update({d.code: _profile(rng, plan, n) for n, d in enumerate(districts)})
            log(f"{old.full_name}: {len(districts)} huyện")
            periods = [p for p in plan.periods() if p.map == OLD_MAP]
            for period in periods:
                for n, d in enumerate(districts):
                    last = period == periods[-1]
                    if rng.random() < 0.04 or (last and n == len(districts) - 1):
                        continue  # this return never came
                    values = _values(rng, plan, profiles[d.code], period)
                    late = rng.random() < 0.1
                    refused = old.code == "93" and period.code == "2024" and n == 1
                    if refused:  # first a return with a typing slip, then its correction
                        bad = dict(values)
                        den, num = bad["CT02"]
                        bad["CT02"] = (den, den + 120)
                        yield _load(plan, old, d, period, bad, _received(rng, plan, period, False), "v1", news=False)
                    yield _load(plan, old, d, period, values, _received(rng, plan, period, late))
        if today.map == NEW_MAP:
            yield from _communes(log, units, plans, rng, today, profiles, _load)


def _communes(log, units, plans, rng, province, profiles, _load):
    """Today's communes send the returns of new-map periods; each follows the former district it
    mostly lies in, at its own (smaller) size, so the province's series runs on without a break."""
    plan = plans.for_unit(province, units)
    communes = units.communes_of(province.code)
    log(f"{province.full_name}: {len(communes)} xã, phường, đặc khu")
    for period in (p for p in plan.periods() if p.map == NEW_MAP):
        for n, c in enumerate(communes):
            if rng.random() < 0.06:
                continue  # this commune has not reported
            former = units.former_districts(c.code)
            base = profiles.get(former[0].code) if former else None
            if base is None:
                base = _profile(rng, plan, n)
            share = max(1, len(units.communes_covering(former[0].code)) if former else 1)
            prof = DistrictProfile(dict(base.baseline), base.pace,
                                   {k: max(1, v // share) for k, v in base.sizes.items()}, base.service_year)
            for code in plan.codes:  # an indicator its former district's plan did not have
                if code not in prof.baseline and not plan.indicator(code).is_yesno:
                    prof.baseline[code] = rng.uniform(28, 72)
                    prof.sizes[code] = max(1, rng.randint(*SIZES[code]) // share)
            values = _values(rng, plan, prof, period)
            if n % 37 == 5:  # a commune that still writes its old district: refused with the communes named
                yield _load(plan, province, former[0] if former else c, period, values,
                            _received(rng, plan, period, False), "huyen", news=False)
            yield _load(plan, province, c, period, values, _received(rng, plan, period, rng.random() < 0.1))
