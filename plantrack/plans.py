"""The plans as data: indicator catalogues and reporting periods read from indicators/*.toml.

A plan file names the provinces it governs; a province with no file of its own follows the
national plan (the one whose ``provinces`` list is empty). A plan may ``extends`` another and
add indicators. A malformed file fails loudly at load time, naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from plantrack.text import fold_words

INDICATORS_DIR = Path(__file__).resolve().parent.parent / "indicators"

GROUPS = ("families", "students", "staff", "facilities", "children", "districts")
KINDS = ("ratio", "yesno")
DIRECTIONS = ("at_least", "at_most")  # a share to raise, or a rate to bring down (sdg-build has both)
MAPS = ("pre2025", "2025")


class PlanError(ValueError):
    """A plan file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    kind: str  # "ratio" | "yesno"
    name: str
    short_name: str
    unit: str
    numerator: str
    denominator: str
    target: float
    baseline_year: int
    target_year: int
    source: str
    aliases: tuple[str, ...] = ()
    direction: str = "at_least"
    # the plan's stated baseline per unit code (province or district), percent
    baselines: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    # its wording for periods that communes report (after 1/7/2025): ``name``, ``short_name`` (plan file:
    # ``[indicators.on_communes]``), e.g. CT08's "ở huyện" becomes "ở xã, phường"
    on_communes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_yesno(self) -> bool:
        return self.kind == "yesno"

    def worded_for(self, map_: str | None) -> "Indicator":
        """The indicator as a period on ``map_`` names it: its commune wording on today's map (the
        other wording stays an alias, so a return written either way is still read)."""
        if map_ != "2025" or not self.on_communes:
            return self
        worded = {k: v for k, v in self.on_communes.items() if k in ("name", "short_name")}
        aliases = tuple(dict.fromkeys((*self.aliases, self.name, self.short_name)))
        return replace(self, **worded, aliases=aliases)

    def reached(self, value: float) -> bool:
        return value >= self.target if self.direction == "at_least" else value <= self.target


@dataclass(frozen=True)
class Period:
    """A reporting period: ``2023H1`` (6-month report) or ``2023`` (annual report).

    A period read from a plan (``Plan.period``, ``Plan.periods``) also knows its due date and
    the map its returns are on (units.md: due before the reform, the old map's districts;
    on or after it, today's communes). Equality and order are by year and half only."""

    year: int
    half: bool  # True for the 6-month (H1) report
    due: dt.date | None = field(default=None, compare=False)
    map: str | None = field(default=None, compare=False)

    @property
    def unit_level(self) -> str | None:
        return {"pre2025": "district", "2025": "commune"}.get(self.map or "")

    @property
    def code(self) -> str:
        return f"{self.year}H1" if self.half else str(self.year)

    @property
    def t(self) -> float:
        """Position on the time axis: the year, minus 0.5 for an H1 period."""
        return self.year - 0.5 if self.half else float(self.year)

    @property
    def label(self) -> str:
        return f"6 tháng đầu năm {self.year}" if self.half else f"Năm {self.year}"

    @property
    def short_label(self) -> str:
        """For chart axes: "6T/2023" or "2023"."""
        return f"6T/{self.year}" if self.half else str(self.year)

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.year, 0 if self.half else 1)

    def __str__(self) -> str:
        return self.code

    def __lt__(self, other: "Period") -> bool:
        return self.sort_key < other.sort_key


@dataclass(frozen=True)
class Plan:
    id: str
    document: str
    title: str
    issuer: str
    provinces: tuple[str, ...]
    first_year: int
    last_year: int
    h1_due: tuple[int, int]
    annual_due: tuple[int, int]
    indicators: tuple[Indicator, ...]
    source_file: str
    issued: dt.date | None = None
    year: int | None = None
    extends: str | None = None
    map: str = "pre2025"  # the map its ``provinces`` codes are on
    # a province of today formed from several: the plans of its predecessors (old code -> plan id)
    combines: tuple[tuple[str, str], ...] = ()

    def indicator(self, code: str) -> Indicator | None:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        return None

    def worded_for(self, map_: str | None) -> "Plan":
        """The plan with its indicators worded for periods on ``map_`` (``Indicator.worded_for``)."""
        worded = tuple(i.worded_for(map_) for i in self.indicators)
        return self if all(a is b for a, b in zip(worded, self.indicators)) else replace(self, indicators=worded)

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def periods(self) -> list[Period]:
        """Every reporting period of the plan, in time order, with due date and map."""
        out = []
        for y in range(self.first_year, self.last_year + 1):
            out += [self.period(Period(y, True)), self.period(Period(y, False))]
        return out

    def period(self, period: "Period | str") -> Period:
        """The period (a Period or its code/label) with this plan's due date and map."""
        p = parse_period(period) if not isinstance(period, Period) else period
        if p is None:
            raise ValueError(f"not a reporting period: {period!r}")
        due = self.due_date(p)
        from plantrack.units import load_units  # the reform date is data kept with the units
        return Period(p.year, p.half, due, load_units().map_on(due))

    def due_date(self, period: Period) -> dt.date:
        month, day = self.h1_due if period.half else self.annual_due
        return dt.date(period.year, month, day)

    def indicators_for(self, old_province_code: str) -> list[str]:
        """Codes of the indicators a predecessor's districts are expected to report (a combined
        plan: only those of that predecessor's own plan; otherwise all)."""
        return list(self.codes)

    def in_range(self, period: Period) -> bool:
        return self.first_year <= period.year <= self.last_year

    def match_indicator_name(self, text: object) -> Indicator | None:
        """The indicator a name cell is about, ignoring case, accents, a leading "Tỷ lệ"/"Số"/
        "100 %" and trailing notes; None when no indicator, or more than one, fits."""
        key = _name_key(text)
        if not 8 <= len(key) <= 400:  # no indicator's name is shorter or (with a note) much longer
            return None
        # the same names recur in every file of a plan: each key's answer is remembered (by code)
        cache = self.__dict__.setdefault("_names_matched", {})
        if key not in cache:
            if len(cache) > 4096:
                cache.clear()
            found = self._match_name_key(key)
            cache[key] = found.code if found else None
        return self.indicator(cache[key]) if cache[key] else None

    def _match_name_key(self, key: str) -> Indicator | None:
        names = self.__dict__.get("_name_keys")
        if names is None:
            names = {ind.code: [_name_key(n) for n in (ind.name, ind.short_name, *ind.aliases)]
                     for ind in self.indicators}
            self.__dict__["_name_keys"] = names
        exact = [c for c, keys in names.items() if key in keys]
        if len(exact) == 1:
            return self.indicator(exact[0])
        # the full name inside a longer cell, or a long enough start of the full name
        partial = [c for c, keys in names.items()
                   if keys[0] in key or (len(key) >= 25 and keys[0].startswith(key))]
        if len(partial) == 1:
            return self.indicator(partial[0])
        scored = sorted(((max(difflib.SequenceMatcher(None, key, k).ratio() for k in keys), c)
                         for c, keys in names.items()), reverse=True)
        if scored and scored[0][0] >= 0.85 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.05):
            return self.indicator(scored[0][1])
        return None


_NAME_NOISE = re.compile(r"^(?:(?:ty le|ti le|so|phan tram|100|dat|chi tieu)\s+)+|\s+(?:dat\s+)?(?:100\s*)?$")


def _name_key(text: object) -> str:
    return _NAME_NOISE.sub("", fold_words(text)).strip()


# --- periods ---------------------------------------------------------------------------

_CODE_RE = re.compile(r"^\s*(\d{4})\s*(?:[-_/ ]?\s*(h1|6t|6 ?thang))?\s*$", re.I)
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_HALF_RE = re.compile(r"\b(6 thang|sau thang|06 thang|6t|h1|ky 1|ky i|nua dau nam|dau nam)\b")
# reports of other lengths are not periods of this regime: a second half, a quarter, nine months, a month
_OTHER_HALF_RE = re.compile(r"\b(6 thang cuoi|sau thang cuoi|h2|nua cuoi nam|quy|9 thang|chin thang|thang \d{1,2})\b")
_NAM_YEAR_RE = re.compile(r"\bnam (\d{4})\b")


def parse_period(value: object) -> Period | None:
    """Read a period from a code (``2023H1``, ``2023``), a number (2023) or a Vietnamese label
    ("6 tháng đầu năm 2023", "Báo cáo năm 2023"). ``None`` when it is not recognisable;
    a year range check is the plan's business (``Plan.in_range``)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return None
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1900 <= value <= 2100:
            return Period(int(value), False)
        return None
    text = fold_words(value)
    if not text:
        return None
    m = _CODE_RE.match(text)
    if m:
        return Period(int(m.group(1)), bool(m.group(2)))
    if _OTHER_HALF_RE.search(text):
        return None  # a second-half report is not a period of this regime
    years = {int(y) for y in _YEAR_RE.findall(text) if 1900 <= int(y) <= 2100}
    after_nam = [int(y) for y in _NAM_YEAR_RE.findall(text)]
    if after_nam:
        year = after_nam[0]
    elif len(years) == 1:
        year = years.pop()
    else:
        return None
    return Period(year, bool(_HALF_RE.search(text)))


# --- loading ---------------------------------------------------------------------------

_IND_KEYS = {
    "code": str, "group": str, "kind": str, "name": str, "short_name": str, "unit": str,
    "numerator": str, "denominator": str, "target": (int, float),
    "baseline_year": int, "target_year": int, "source": str,
}


def _need(table: dict, key: str, types, where: str):
    if key not in table:
        raise PlanError(f"{where}: missing key '{key}'")
    value = table[key]
    if not isinstance(value, types) or isinstance(value, bool):
        raise PlanError(f"{where}.{key}: wrong type {type(value).__name__}")
    return value


def _read_indicator(raw: dict, where: str) -> Indicator:
    for key, types in _IND_KEYS.items():
        _need(raw, key, types, where)
    unknown = set(raw) - set(_IND_KEYS) - {"aliases", "baselines", "direction", "on_communes"}
    if unknown:
        raise PlanError(f"{where}: unknown key(s) {sorted(unknown)}")
    on_communes = raw.get("on_communes", {})
    if not isinstance(on_communes, dict) or set(on_communes) - {"name", "short_name"} or not all(
            isinstance(v, str) and v.strip() for v in on_communes.values()):
        raise PlanError(f"{where}.on_communes: only 'name' and 'short_name', as text")
    if not re.fullmatch(r"CT\d{2}", raw["code"]):
        raise PlanError(f"{where}.code: '{raw['code']}' is not of the form CT01")
    if raw["group"] not in GROUPS:
        raise PlanError(f"{where}.group: '{raw['group']}' is not one of {GROUPS}")
    if raw["kind"] not in KINDS:
        raise PlanError(f"{where}.kind: '{raw['kind']}' is not one of {KINDS}")
    if raw.get("direction", "at_least") not in DIRECTIONS:
        raise PlanError(f"{where}.direction: '{raw['direction']}' is not one of {DIRECTIONS}")
    if raw["baseline_year"] >= raw["target_year"]:
        raise PlanError(f"{where}.baseline_year: must be before target_year")
    baselines = raw.get("baselines", {})
    if not isinstance(baselines, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in baselines.values()
    ):
        raise PlanError(f"{where}.baselines: must map unit codes to percentages")
    return Indicator(
        code=raw["code"], group=raw["group"], kind=raw["kind"], name=raw["name"],
        short_name=raw["short_name"], unit=raw["unit"], numerator=raw["numerator"],
        denominator=raw["denominator"], target=float(raw["target"]),
        baseline_year=raw["baseline_year"], target_year=raw["target_year"],
        source=raw["source"], direction=raw.get("direction", "at_least"),
        aliases=tuple(dict.fromkeys((*raw.get("aliases", ()), *on_communes.values()))),  # a commune's form is read too
        baselines={str(k): float(v) for k, v in baselines.items()}, on_communes=dict(on_communes),
    )


def worded_report(report: Mapping, plan: Plan) -> dict:
    """A report (``measure.province_report``) whose indicators are named as its period's map names
    them (``Indicator.worded_for``): CT08 "ở xã, phường" for a period that communes report."""
    worded = {i.code: i.worded_for(report.get("map")) for i in plan.indicators}
    indicators = []
    for entry in report.get("indicators") or []:
        ind = worded.get(entry.get("code"))
        indicators.append({**entry, "name": ind.name, "short_name": ind.short_name} if ind else entry)
    return {**report, "indicators": indicators}


def _read_file(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path.name}: not valid TOML: {exc}") from exc


@dataclass
class Plans:
    """Every plan file, and which plan governs which province.

    A plan names its provinces by code on its own map (``plan.map``). A province with no plan
    of its own follows the national plan of the span (the one whose ``provinces`` list is
    empty; later plans, e.g. 2026–2030 on today's map, add national plans for their spans).
    A province of today formed from several old ones follows, for the old plan's span, the
    plans of its predecessors combined (``combined_plan``)."""

    plans: dict[str, Plan]
    national: Plan  # the national plan of the earliest span (1863/QĐ-TTg)
    nationals: tuple[Plan, ...] = ()

    def national_for(self, year: int | None) -> Plan:
        """The national plan whose span holds ``year`` (the first one when None or none does)."""
        return self._national_for(year)

    def _national_for(self, year: int | None) -> Plan:
        spans = self.nationals or (self.national,)
        if year is None:
            return self.national
        for plan in spans:
            if plan.first_year <= year <= plan.last_year:
                return plan
        return self.national

    def for_province(self, province_code: str, map_: str = "pre2025", year: int | None = None) -> Plan:
        """The plan of a province given by code on ``map_`` (the old map unless told)."""
        for plan in self.plans.values():
            if plan.map == map_ and province_code in plan.provinces and (
                    year is None or plan.first_year <= year <= plan.last_year):
                return plan
        return self._national_for(year)

    def for_unit(self, province, units=None, year: int | None = None) -> Plan:
        """The plan that governs a province (a ``units.Unit``) in ``year`` (default: the first
        span). For a province of today in a span of old-map plans, its predecessors' plans
        combined: their indicators together, each expected only of the predecessors whose
        plan has it."""
        if province.map == "pre2025":
            return self.for_province(province.code, "pre2025", year)
        own = [p for p in self.plans.values() if p.map == "2025" and province.code in p.provinces
               and (year is None or p.first_year <= year <= p.last_year)]
        if own:
            return own[0]
        national = self._national_for(year)
        if national.map == "2025":
            return national
        from plantrack.units import load_units
        units = units or load_units()
        preds = units.predecessors(province.code)
        return self.combined_plan(province, [(p.code, self.for_province(p.code, "pre2025", year)) for p in preds])

    def combined_plan(self, province, parts: list[tuple[str, Plan]]) -> Plan:
        return _combined(province.code, province.name, tuple((c, p.id) for c, p in parts), self)

    def all_indicators(self) -> list[Indicator]:
        seen: dict[str, Indicator] = {}
        for plan in [self.national, *self.plans.values()]:
            for ind in plan.indicators:
                seen.setdefault(ind.code, ind)
        return sorted(seen.values(), key=lambda i: i.code)


_COMBINED: dict[tuple, Plan] = {}


def _combined(code: str, name: str, parts: tuple[tuple[str, str], ...], plans: "Plans") -> Plan:
    key = (id(plans), code, parts)
    if key in _COMBINED:
        return _COMBINED[key]
    distinct = list(dict.fromkeys(pid for _, pid in parts))
    if len(distinct) == 1:
        plan = plans.plans[distinct[0]]
        result = CombinedPlan(**{f: getattr(plan, f) for f in plan.__dataclass_fields__ if f != "combines"},
                              combines=parts)
    else:
        members = [plans.plans[pid] for pid in distinct]
        first = members[0]
        seen: dict[str, Indicator] = {}
        for m in members:
            for ind in m.indicators:
                seen.setdefault(ind.code, ind)
        result = CombinedPlan(
            id=f"combined-{code}", document="; ".join(m.document for m in members),
            title=f"Các kế hoạch của các tỉnh trước đây hợp thành {name}",
            issuer="; ".join(dict.fromkeys(m.issuer for m in members)), provinces=(code,),
            first_year=min(m.first_year for m in members), last_year=max(m.last_year for m in members),
            h1_due=first.h1_due, annual_due=first.annual_due,
            indicators=tuple(sorted(seen.values(), key=lambda i: i.code)),
            source_file=", ".join(m.source_file for m in members), map="2025", combines=parts)
    object.__setattr__(result, "_members", {c: plans.plans[pid] for c, pid in parts})
    _COMBINED[key] = result
    return result


@dataclass(frozen=True)
class CombinedPlan(Plan):
    """A province of today's view of its predecessors' plans (units.md)."""

    def indicators_for(self, old_province_code: str) -> list[str]:
        members = getattr(self, "_members", {})
        plan = members.get(old_province_code)
        return list(plan.codes) if plan is not None else list(self.codes)

    @property
    def member_plans(self) -> dict[str, Plan]:
        """Old province code -> its plan."""
        return dict(getattr(self, "_members", {}))


def load_plans(directory: Path | str | None = None) -> Plans:
    """Read and validate every ``*.toml`` plan file in the directory."""
    if directory is None:  # resolved once, at import
        return _load_plans(_INDICATORS_RESOLVED)
    return _load_plans(Path(directory).resolve())


_INDICATORS_RESOLVED = Path(INDICATORS_DIR).resolve()


@functools.lru_cache(maxsize=8)
def _load_plans(directory: Path) -> Plans:
    raw_files = {p: _read_file(p) for p in sorted(directory.glob("*.toml"))}
    if not raw_files:
        raise PlanError(f"{directory}: no plan files (*.toml)")
    by_id: dict[str, tuple[Path, dict]] = {}
    for path, raw in raw_files.items():
        head = raw.get("plan")
        if not isinstance(head, dict):
            raise PlanError(f"{path.name}: missing table [plan]")
        pid = _need(head, "id", str, f"{path.name}: plan")
        if pid in by_id:
            raise PlanError(f"{path.name}: plan.id '{pid}' also used by {by_id[pid][0].name}")
        by_id[pid] = (path, raw)

    built: dict[str, Plan] = {}

    def build(pid: str, chain: tuple[str, ...] = ()) -> Plan:
        if pid in built:
            return built[pid]
        path, raw = by_id[pid]
        head = raw["plan"]
        where = f"{path.name}: plan"
        parent = None
        if "extends" in head:
            parent_id = _need(head, "extends", str, where)
            if parent_id not in by_id:
                raise PlanError(f"{where}.extends: no plan with id '{parent_id}'")
            if parent_id in chain:
                raise PlanError(f"{where}.extends: circular")
            parent = build(parent_id, chain + (pid,))
        inherited = {i.code: i for i in parent.indicators} if parent else {}
        own = raw.get("indicators", [])
        if not isinstance(own, list):
            raise PlanError(f"{path.name}: indicators must be an array of tables [[indicators]]")
        for n, item in enumerate(own):
            ind = _read_indicator(item, f"{path.name}: indicators[{n}]")
            inherited[ind.code] = ind
        if not inherited:
            raise PlanError(f"{path.name}: the plan has no indicators")
        reporting = raw.get("reporting", {})
        h1 = reporting.get("h1_due") or (parent and "%02d-%02d" % parent.h1_due)
        annual = reporting.get("annual_due") or (parent and "%02d-%02d" % parent.annual_due)
        if not h1 or not annual:
            raise PlanError(f"{path.name}: reporting.h1_due / reporting.annual_due missing")
        provinces = head.get("provinces", [])
        if not isinstance(provinces, list) or not all(isinstance(p, str) for p in provinces):
            raise PlanError(f"{where}.provinces: must be a list of province codes as text")
        issued = head.get("issued")
        if issued is not None and not isinstance(issued, dt.date):
            raise PlanError(f"{where}.issued: must be a date (YYYY-MM-DD)")
        map_ = head.get("map", "pre2025")
        if map_ not in MAPS:
            raise PlanError(f"{where}.map: '{map_}' is not one of {MAPS}")
        plan = Plan(
            map=map_,
            id=pid,
            document=_need(head, "document", str, where),
            title=_need(head, "title", str, where),
            issuer=_need(head, "issuer", str, where),
            provinces=tuple(provinces),
            first_year=_inherit(head, "first_year", parent, where),
            last_year=_inherit(head, "last_year", parent, where),
            h1_due=_month_day(h1, f"{path.name}: reporting.h1_due"),
            annual_due=_month_day(annual, f"{path.name}: reporting.annual_due"),
            indicators=tuple(sorted(inherited.values(), key=lambda i: i.code)),
            source_file=path.name,
            issued=issued,
            year=head.get("year"),
            extends=head.get("extends"),
        )
        built[pid] = plan
        return plan

    for pid in by_id:
        build(pid)
    nationals = sorted((p for p in built.values() if not p.provinces), key=lambda p: p.first_year)
    if not nationals:
        raise PlanError(f"{directory}: one plan must have an empty provinces list (the national plan); found 0")
    for a, b in zip(nationals, nationals[1:]):
        if b.first_year <= a.last_year:
            raise PlanError(f"{b.source_file}: a second national plan for {a.first_year}–{a.last_year} "
                            f"(also {a.source_file}); national plans must cover different years")
    owner: dict[tuple, str] = {}
    for plan in built.values():
        for code in plan.provinces:
            for year in range(plan.first_year, plan.last_year + 1):
                if (plan.map, code, year) in owner:
                    raise PlanError(f"{plan.source_file}: plan.provinces: province {code} also in {owner[(plan.map, code, year)]}")
                owner[(plan.map, code, year)] = plan.source_file
    return Plans(plans=built, national=nationals[0], nationals=tuple(nationals))


def _inherit(head: dict, key: str, parent: Plan | None, where: str) -> int:
    if key in head or parent is None:
        return _need(head, key, int, where)
    return getattr(parent, key)


def _month_day(text: object, where: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{2})-(\d{2})", str(text))
    if not m:
        raise PlanError(f"{where}: '{text}' is not MM-DD")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        dt.date(2020, month, day)
    except ValueError as exc:
        raise PlanError(f"{where}: '{text}' is not a date") from exc
    return month, day
