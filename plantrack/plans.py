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
from dataclasses import dataclass, field
from pathlib import Path

from plantrack.text import fold_words

INDICATORS_DIR = Path(__file__).resolve().parent.parent / "indicators"

GROUPS = ("families", "students", "staff", "facilities", "children", "districts")
KINDS = ("ratio", "yesno")


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
    # the plan's stated baseline per unit code (province or district), percent
    baselines: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_yesno(self) -> bool:
        return self.kind == "yesno"


@dataclass(frozen=True)
class Period:
    """A reporting period: ``2023H1`` (6-month report) or ``2023`` (annual report)."""

    year: int
    half: bool  # True for the 6-month (H1) report

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

    def indicator(self, code: str) -> Indicator | None:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        return None

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def periods(self) -> list[Period]:
        """Every reporting period of the plan, in time order."""
        out = []
        for y in range(self.first_year, self.last_year + 1):
            out += [Period(y, True), Period(y, False)]
        return out

    def due_date(self, period: Period) -> dt.date:
        month, day = self.h1_due if period.half else self.annual_due
        return dt.date(period.year, month, day)

    def in_range(self, period: Period) -> bool:
        return self.first_year <= period.year <= self.last_year

    def match_indicator_name(self, text: object) -> Indicator | None:
        """The indicator a name cell is about, ignoring case, accents, a leading "Tỷ lệ"/"Số"/
        "100 %" and trailing notes; None when no indicator, or more than one, fits."""
        key = _name_key(text)
        if not 8 <= len(key) <= 400:  # no indicator's name is shorter or (with a note) much longer
            return None
        names = {ind.code: [_name_key(n) for n in (ind.name, ind.short_name, *ind.aliases)] for ind in self.indicators}
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
    unknown = set(raw) - set(_IND_KEYS) - {"aliases", "baselines"}
    if unknown:
        raise PlanError(f"{where}: unknown key(s) {sorted(unknown)}")
    if not re.fullmatch(r"CT\d{2}", raw["code"]):
        raise PlanError(f"{where}.code: '{raw['code']}' is not of the form CT01")
    if raw["group"] not in GROUPS:
        raise PlanError(f"{where}.group: '{raw['group']}' is not one of {GROUPS}")
    if raw["kind"] not in KINDS:
        raise PlanError(f"{where}.kind: '{raw['kind']}' is not one of {KINDS}")
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
        source=raw["source"], aliases=tuple(raw.get("aliases", ())),
        baselines={str(k): float(v) for k, v in baselines.items()},
    )


def _read_file(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path.name}: not valid TOML: {exc}") from exc


@dataclass
class Plans:
    """Every plan file, and which plan governs which province."""

    plans: dict[str, Plan]
    national: Plan

    def for_province(self, province_code: str) -> Plan:
        for plan in self.plans.values():
            if province_code in plan.provinces:
                return plan
        return self.national

    def all_indicators(self) -> list[Indicator]:
        seen: dict[str, Indicator] = {}
        for plan in [self.national, *self.plans.values()]:
            for ind in plan.indicators:
                seen.setdefault(ind.code, ind)
        return sorted(seen.values(), key=lambda i: i.code)


def load_plans(directory: Path | str | None = None) -> Plans:
    """Read and validate every ``*.toml`` plan file in the directory."""
    directory = Path(directory or INDICATORS_DIR)
    return _load_plans(directory.resolve())


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
        plan = Plan(
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
    nationals = [p for p in built.values() if not p.provinces]
    if len(nationals) != 1:
        raise PlanError(f"{directory}: exactly one plan must have an empty provinces list (the national plan); found {len(nationals)}")
    owner: dict[str, str] = {}
    for plan in built.values():
        for code in plan.provinces:
            if code in owner:
                raise PlanError(f"{plan.source_file}: plan.provinces: province {code} also in {owner[code]}")
            owner[code] = plan.source_file
    return Plans(plans=built, national=nationals[0])


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
