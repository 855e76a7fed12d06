"""Judging a located return: units, period, indicators and every value, as returns.md says.

``check_return`` is pure: it needs the located table, the org units and the plans, and gives
back the values it read plus every issue. Checks that need history (``denominator-jump``)
or the receipt date (``late``) are in ``check_history`` and ``check_timeliness``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from plantrack.issues import Issue, make_issue
from plantrack.layout import Found, Located, TableRow
from plantrack.plans import Indicator, Period, Plan, Plans, parse_period
from plantrack.text import fold_words
from plantrack.units import (NEW_MAP, OLD_MAP, Unit, Units, match_commune, match_district, match_province,
                             names_a_district)

MAX_COUNT = 10**12  # beyond any real count; also keeps values inside BIGINT
RATIO_TOLERANCE = 0.5  # percentage points
JUMP_LIMIT = 0.5  # a denominator changing by more than 50 % ...
JUMP_MIN_UNITS = 20  # ... and by at least 20 is suspicious (11 -> 17 facilities is not)

COLUMN_VI = {"denominator": "Tổng số", "numerator": "Số đạt", "ratio": "Tỷ lệ (%)"}


@dataclass
class Value:
    indicator: str
    numerator: int | None
    denominator: int | None
    num_cell: str | None = None
    den_cell: str | None = None

    @property
    def reported(self) -> bool:
        return self.numerator is not None and self.denominator is not None


@dataclass
class Checked:
    """What a return says, once checked. ``errors`` empty means it may be stored."""

    sheet: str | None = None
    province_code: str | None = None  # the unit's province on the unit's own map
    district_code: str | None = None  # the reporting unit: a district (old map) or a commune (new map)
    map: str | None = None  # "pre2025" | "2025" (units.md), decided by the period
    period: Period | None = None
    plan: Plan | None = None
    values: dict[str, Value] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]


# --- numbers ---------------------------------------------------------------------------

_THOUSANDS = re.compile(r"^\d{1,3}(?:([. \u00a0\u202f'])\d{3})(?:\1\d{3})*$")
_COMMA_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3}){2,}$")  # "12,345,678": only thousands (a decimal has one comma)
_PLAIN_INT = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^\d+[.,]\d+$")


def _no_value(found: Found | None) -> tuple[str | None, str] | None:
    """For a cell without a usable value: (error code, or None when simply empty; text shown).
    None when the cell holds a value to read."""
    if found is None:
        return None, ""
    cell = found.raw
    if cell is not None and cell.formula_without_value:
        return "formula-no-value", ""
    if cell is not None and cell.error:  # a saved error such as #N/A is not an empty cell
        return "value-not-number", cell.error
    value = found.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ""
    return None


def read_count(found: Found | None) -> tuple[int | None, str | None, str]:
    """(count, error code, text shown) for a count cell. None with no code: the cell is empty."""
    missing = _no_value(found)
    if missing is not None:
        return None, *missing
    cell, value = found.raw, found.value
    shown = _shown(value, cell)
    if isinstance(value, bool) or (cell is not None and cell.is_date) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return None, "value-not-number", shown
    if isinstance(value, str):
        number = _parse_number_text(value)
        if number is None:
            return None, "value-not-number", shown
    elif isinstance(value, (int, float)):
        number = value
    else:
        return None, "value-not-number", shown
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        return None, "value-not-number", shown
    if abs(number) >= MAX_COUNT:
        return None, "value-not-number", shown
    if number < 0:
        return None, "value-negative", shown
    if isinstance(number, float) and not number.is_integer():
        return None, "value-not-whole", shown
    return int(number), None, shown


def _shown(value: object, cell) -> str:
    """The value as the officer sees it in the cell: a date as a date, a decimal with a comma."""
    if isinstance(value, (dt.datetime, dt.date)):
        return f"ngày {value:%d/%m/%Y}"
    if cell is not None and cell.is_date and isinstance(value, (int, float)) and 0 < value < 2_958_466:
        return f"ngày {dt.date(1899, 12, 30) + dt.timedelta(days=int(value)):%d/%m/%Y}"
    if isinstance(value, float) and not isinstance(value, bool) and math.isfinite(value):
        return f"{value:g}".replace(".", ",")
    return str(value).strip()


def _parse_number_text(text: str) -> int | float | None:
    s = text.replace("\u200b", "").strip()
    if len(s) > 40:  # no count is that long (and int() refuses over 4300 digits)
        return None
    negative = s.startswith(("-", "−", "–")) and len(s) > 1
    if negative:
        s = s[1:].strip()
    elif len(s) > 2 and s[0] == "(" and s[-1] == ")":  # accounting style: (3) is minus three
        negative, s = True, s[1:-1].strip()
    if _PLAIN_INT.match(s):
        number: int | float = int(s)
    elif _THOUSANDS.match(s) or _COMMA_THOUSANDS.match(s):
        number = int(re.sub(r"\D", "", s))
    elif _DECIMAL.match(s):
        number = float(s.replace(",", "."))
    else:
        try:
            number = float(s)  # "1e3", "1234.0"
        except ValueError:
            return None
        if math.isnan(number) or math.isinf(number):
            return None
    return -number if negative else number


def read_ratio(found: Found | None) -> float | None:
    """The form's own percentage, as written: 90.26, '90,26 %', or a fraction 0.9026; a cell shown
    as a percentage (0.86 shown as 86 %) gives what it shows (86.0)."""
    if found is None or found.value in (None, "") or isinstance(found.value, bool):
        return None
    value = found.value
    formatted = found.raw is not None and found.raw.percent and isinstance(value, (int, float))
    if isinstance(value, str):
        s = value.strip().rstrip("%").strip().replace(",", ".")
        try:
            value = float(s)
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        return None
    return float(value) * 100 if formatted else float(value)


def ratio_shown_as_percent(found: Found | None) -> bool:
    """The ratio cell says it is a percentage: formatted as one, or typed with a % sign."""
    if found is None:
        return False
    if found.raw is not None and found.raw.percent and isinstance(found.value, (int, float)):
        return True
    return isinstance(found.value, str) and "%" in found.value


_YES = {"co", "x", "1", "true", "dung", "yes", "da co", "co dich vu", "dat"}
_NO = {"khong", "0", "false", "chua", "chua co", "no", "khong co", "sai"}


def read_yes_no(found: Found | None) -> tuple[bool | None, str | None, str]:
    """(answer, error code, text shown) for a CT08 cell: Có/Không, x, 1/0, TRUE/FALSE; empty = not reported."""
    missing = _no_value(found)
    if missing is not None:
        return None, *missing
    cell, value = found.raw, found.value
    if isinstance(value, bool):
        return value, None, str(value)
    if isinstance(value, (int, float)) and not (cell and cell.is_date) and value in (0, 1):
        return bool(value), None, str(value)
    key = fold_words(value)
    if key in _YES:
        return True, None, str(value)
    if key in _NO:
        return False, None, str(value)
    return None, "value-not-number", str(value)


# --- the checks ------------------------------------------------------------------------

def _from_letterhead(loc: Located, match) -> Found | None:
    """The first letterhead line ("UBND TỈNH …", "UBND HUYỆN …") that names exactly one unit."""
    for found in loc.issuers:
        if match(found.value).unit is not None:
            return found
    return None


def _province_on(units: Units, text: object, map_: str) -> tuple[Unit | None, Unit | None, object]:
    """(old-map province, today's province, the match to explain a failure) a province cell names.
    An old-map return may name its old province or the province of today that took it in; a
    new-map return names today's province (an old name stands for its successor)."""
    old = match_province(units, text, OLD_MAP)
    new = match_province(units, text, NEW_MAP) if units.provinces_2025 else old
    if map_ == NEW_MAP:
        if new.unit is None and old.unit is not None and old.unit.code in units.successors:
            return None, units.successor(old.unit.code), new
        return None, new.unit, new
    return old.unit, new.unit if units.provinces_2025 else None, old if old.unit or not new.unit else new


def check_units(loc: Located, units: Units, out: Checked, map_: str = OLD_MAP) -> None:
    if map_ == NEW_MAP:
        _check_commune(loc, units, out)
        return
    sheet = loc.sheet
    prov_found = loc.province
    dist_found = loc.district if loc.district is not None and loc.district.value not in (None, "") else (loc.unit or loc.district)
    if prov_found is None or prov_found.value in (None, ""):
        prov_found = _from_letterhead(loc, lambda text: match_province(units, text)) or prov_found
    if dist_found is None or dist_found.value in (None, ""):
        prov = match_province(units, prov_found.value).unit if prov_found and prov_found.value else None
        dist_found = _from_letterhead(loc, lambda text: match_district(units, text, prov.code if prov else None)) or dist_found
    province, pool = None, None
    if prov_found is None or prov_found.value in (None, ""):
        if dist_found is None or dist_found.value in (None, ""):
            out.issues.append(make_issue("unit-unknown", sheet=sheet, cell=prov_found.cell if prov_found else None,
                                         detail="Không tìm thấy tên tỉnh và tên huyện ở phần đầu báo cáo. Hãy ghi 'Tỉnh: …' và 'Huyện: …' phía trên bảng chỉ tiêu."))
            return
    else:
        old, new, m = _province_on(units, prov_found.value, OLD_MAP)
        if old is None and new is None:
            out.issues.append(make_issue("unit-unknown", sheet=sheet, cell=prov_found.cell,
                                         detail=_unknown_text("Tỉnh", prov_found.value, m)))
            return
        # A name that is an old province's ('Tây Ninh' + 'Châu Thành' on a 2023 form) is read as that
        # province first; today's province ('Cần Thơ' for a 2024 Vị Thủy return) is the other reading,
        # where the district must be unique among the old districts of every province it took in (units.md)
        province = new or old
        pool = units.reporting_units(new, OLD_MAP) if new is not None else units.districts_of(old.code)
        if old is not None and new is not None and dist_found is not None and dist_found.value not in (None, ""):
            literal = match_district(units, dist_found.value, old.code)
            if literal.unit is not None:
                province, pool = old, units.districts_of(old.code)
    if dist_found is None or dist_found.value in (None, ""):
        out.issues.append(make_issue("unit-unknown", sheet=sheet, cell=dist_found.cell if dist_found else None,
                                     detail="Không tìm thấy tên huyện (đơn vị báo cáo). Hãy ghi 'Huyện: …' phía trên bảng chỉ tiêu."))
        return
    unit = _one_unit(units, out, sheet, dist_found, match_district(units, dist_found.value, None, pool=pool),
                     lambda: match_district(units, dist_found.value, None), province, "Huyện", "huyện")
    if unit is None:
        return
    out.district_code, out.province_code, out.map = unit.code, unit.province_code, OLD_MAP
    if dist_found not in loc.issuers:
        _check_letterhead(loc, units, unit, dist_found, out)


def _one_unit(units: Units, out: Checked, sheet: str, found: Found, m, anywhere, province: Unit | None,
              what: str, word: str) -> Unit | None:
    """The unit a name matched; else None, with ``unit-mismatch`` when the name is a unit of another
    province (``anywhere()`` matches it nationally) or ``unit-unknown`` with the candidates."""
    if m.unit is None and province is not None and not m.ambiguous:
        other = anywhere().unit
        if other is not None:
            home = units.province(other.map, other.parent)
            out.issues.append(make_issue("unit-mismatch", sheet=sheet, cell=found.cell, detail=(
                f"{other.full_name} ({home.full_name}) không thuộc {province.full_name}. "
                f"Hãy kiểm tra lại tên tỉnh và tên {word} ở phần đầu báo cáo.")))
            return None
    if m.unit is None:
        out.issues.append(make_issue("unit-unknown", sheet=sheet, cell=found.cell,
                                     detail=_unknown_text(what, found.value, m, province)))
        return None
    return m.unit


def _check_commune(loc: Located, units: Units, out: Checked) -> None:
    """A new-map return names a commune of today's province (units.md)."""
    sheet = loc.sheet
    prov_found = loc.province
    unit_found = next((f for f in (loc.commune, loc.unit, loc.district) if f is not None and f.value not in (None, "")),
                      loc.commune or loc.unit or loc.district)
    if prov_found is None or prov_found.value in (None, ""):
        prov_found = _from_letterhead(loc, lambda text: match_province(units, text, NEW_MAP)) or prov_found
    province = None
    if prov_found is not None and prov_found.value not in (None, ""):
        _, province, m = _province_on(units, prov_found.value, NEW_MAP)
        if province is None:
            out.issues.append(make_issue("unit-unknown", sheet=sheet, cell=prov_found.cell,
                                         detail=_unknown_text("Tỉnh", prov_found.value, m)))
            return
    if unit_found is None or unit_found.value in (None, ""):
        unit_found = _from_letterhead(loc, lambda text: match_commune(units, text, province.code if province else None)) or unit_found
    if unit_found is None or unit_found.value in (None, ""):
        out.issues.append(make_issue("unit-unknown", sheet=sheet, cell=unit_found.cell if unit_found else None,
                                     detail="Không tìm thấy tên xã, phường, đặc khu (đơn vị báo cáo). "
                                            "Hãy ghi 'Xã: …' hoặc 'Phường: …' phía trên bảng chỉ tiêu."))
        return
    text = unit_found.value
    district_label = unit_found is loc.district and loc.district is not None
    if names_a_district(text) or district_label:
        pool = units.reporting_units(province, OLD_MAP) if province is not None else None
        d = match_district(units, text, None, pool=pool)
        if d.unit is not None or names_a_district(text):
            out.issues.append(make_issue("unit-unknown", sheet=sheet, cell=unit_found.cell,
                                         detail=_district_on_new_map(units, text, d.unit)))
            return
    unit = _one_unit(units, out, sheet, unit_found, match_commune(units, text, province.code if province else None),
                     lambda: match_commune(units, text, None), province, "Xã, phường", "xã, phường")
    if unit is not None:
        out.district_code, out.province_code, out.map = unit.code, unit.parent, NEW_MAP


def _district_on_new_map(units: Units, text: object, district: Unit | None) -> str:
    since = units.reform_date.strftime("%-d/%-m/%Y") if units.maps else "1/7/2025"
    head = (f"'{text}' là tên huyện, nhưng từ {since} không còn cấp huyện: các xã, phường, đặc khu báo cáo "
            f"thẳng lên tỉnh (Sở Y tế).")
    if district is not None:
        covering = [c.full_name for c, _ in units.communes_covering(district.code)]
        shown = ", ".join(covering[:15]) + (f" và {len(covering) - 15} đơn vị khác" if len(covering) > 15 else "")
        head += f" Địa bàn {district.full_name} cũ nay thuộc: {shown}."
    return head + " Hãy ghi 'Xã: …' hoặc 'Phường: …' của đơn vị mình phía trên bảng chỉ tiêu."


def _check_letterhead(loc: Located, units: Units, unit, label: Found, out: Checked) -> None:
    """A letterhead ("UBND HUYỆN …") naming another district of the province than the label: a warning
    naming both (the label is the return's unit; the letterhead may be copied from another form)."""
    for found in loc.issuers:
        key = fold_words(found.value)
        if key.startswith(("ubnd tinh", "uy ban nhan dan tinh")):
            continue
        other = match_district(units, found.value, unit.province_code).unit
        if other is not None and other.code != unit.code:
            out.issues.append(make_issue("indicator-unknown", sheet=loc.sheet, cell=found.cell,
                                         variant="letterhead-other-unit", letterhead=str(found.value).strip(),
                                         letterhead_unit=other.full_name, label_unit=unit.full_name,
                                         label_cell=label.cell or ""))
            return


def _unknown_text(what: str, value: object, m, province=None) -> str:
    where = f" của {province.full_name}" if province else ""
    if m.ambiguous:
        if all(c.endswith(")") for c in m.candidates):  # same name in two former provinces of one of today's
            fix = "Hãy ghi tên tỉnh trước đây của đơn vị (ví dụ 'Tỉnh: Hậu Giang') thay cho tên tỉnh hiện nay."
        elif what.startswith("Xã"):
            fix = "Hãy ghi rõ tên đầy đủ (ví dụ 'Xã …' hoặc 'Phường …') và tên tỉnh."
        else:
            fix = "Hãy ghi rõ tên đầy đủ (ví dụ 'Huyện …' hoặc 'Thị xã …')."
        return f"{what} '{value}' ứng với nhiều đơn vị{where}: {', '.join(m.candidates)}. {fix}"
    hint = f" Có phải: {', '.join(m.candidates)}?" if m.candidates else ""
    return f"{what} '{value}' không có trong danh mục đơn vị hành chính{where}.{hint}"


def check_period(loc: Located, plan: Plan, out: Checked) -> None:
    found = loc.period or loc.title_period
    first, last = plan.first_year, plan.last_year
    if found is None or found.value in (None, ""):
        out.issues.append(make_issue("period-invalid", sheet=loc.sheet, cell=found.cell if found else None,
                                     detail="Không tìm thấy kỳ báo cáo (dòng 'Kỳ báo cáo: …').", first=first, last=last))
        return
    if found.raw is not None and found.raw.formula_without_value:
        out.issues.append(make_issue("formula-no-value", sheet=loc.sheet, cell=found.cell, column="Kỳ báo cáo"))
        return
    period = parse_period(found.value)
    if period is None:
        out.issues.append(make_issue("period-invalid", sheet=loc.sheet, cell=found.cell,
                                     detail=f"Không hiểu kỳ báo cáo '{found.value}'.", first=first, last=last))
        return
    if not plan.in_range(period):
        out.issues.append(make_issue("period-invalid", sheet=loc.sheet, cell=found.cell,
                                     detail=f"Kỳ báo cáo '{found.value}' nằm ngoài thời gian của kế hoạch.", first=first, last=last))
        return
    out.period = period


def _indicator_of(row: TableRow, plan: Plan) -> tuple[Indicator | None, str]:
    """The plan's indicator a row is about, by its code or (code cell empty) by its name."""
    code_text = row.code.value if row.code else None
    if code_text not in (None, ""):
        key = re.sub(r"[\s\-_.]", "", fold_words(code_text)).upper()
        m = re.fullmatch(r"CT0*(\d{1,2})", key)
        if m:
            ind = plan.indicator(f"CT{int(m.group(1)):02d}")
            if ind:
                return ind, str(code_text)
        by_name = plan.match_indicator_name(row.name.value) if row.name else None
        return by_name, str(code_text)
    name = row.name.value if row.name else None
    return plan.match_indicator_name(name), str(name or "")


def _looks_like_indicator_row(row: TableRow, text: str) -> bool:
    """Worth a warning: it names an indicator code, or carries numbers."""
    if re.fullmatch(r"CT\s*[-_.]?\s*\d+", text.strip(), re.I):
        return True
    return any(f is not None and _numberish(f.value) for f in (row.numerator, row.denominator))


def _numberish(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(re.fullmatch(r"\s*-?[\d.,\s]*\d[\d.,\s]*", value))


def check_values(loc: Located, plan: Plan, out: Checked) -> None:
    sheet = loc.sheet
    seen: dict[str, str] = {}
    for row in loc.rows:
        ind, text = _indicator_of(row, plan)
        if ind is None:
            if _looks_like_indicator_row(row, text):
                where = row.code if row.code and row.code.value not in (None, "") else row.name
                out.issues.append(make_issue("indicator-unknown", sheet=sheet, cell=where.cell if where else None,
                                             text=text[:80]))
            continue
        anchor = row.code.cell if row.code and row.code.value not in (None, "") else (row.name.cell if row.name else None)
        if ind.code in seen:
            out.issues.append(make_issue("indicator-duplicate", sheet=sheet, cell=anchor, indicator=ind.code,
                                         first=seen[ind.code]))
            continue
        seen[ind.code] = anchor or ""
        value = _check_row(row, ind, sheet, out)
        if value is not None:
            out.values[ind.code] = value
    for ind in plan.indicators:
        v = out.values.get(ind.code)
        if v is None or not v.reported:
            out.values.setdefault(ind.code, Value(ind.code, None, None))
            cell = seen.get(ind.code) or None
            if not any(i.indicator == ind.code and i.is_error for i in out.issues):
                out.issues.append(make_issue("not-reported", sheet=sheet, cell=cell, indicator=ind.code))


def _value_issue(code: str, sheet: str, found: Found, ind: Indicator, column: str, text: str) -> Issue:
    hint = "Chỉ ghi số nguyên không âm (ví dụ 1234 hoặc 1.234); để trống nếu chưa có số liệu."
    if ind.is_yesno and column == "Số đạt":
        hint = "Chỉ tiêu này ghi 'Có' hoặc 'Không'."
    return make_issue(code, sheet=sheet, cell=found.cell, indicator=ind.code, column=column, text=text[:60], hint=hint)


def _check_row(row: TableRow, ind: Indicator, sheet: str, out: Checked) -> Value | None:
    if ind.is_yesno:
        return _check_yes_no(row, ind, sheet, out)
    den, den_err, den_text = read_count(row.denominator)
    num, num_err, num_text = read_count(row.numerator)
    bad = False
    for err, found, column, text in ((den_err, row.denominator, "Tổng số", den_text), (num_err, row.numerator, "Số đạt", num_text)):
        if err:
            out.issues.append(_value_issue(err, sheet, found, ind, column, text))
            bad = True
    if bad:
        return None
    if (num is None) != (den is None):
        # one of the pair is empty: the indicator is not reported (a warning), not zero
        return Value(ind.code, None, None, row.numerator.cell, row.denominator.cell)
    if num is not None and den is not None and num > den:
        out.issues.append(make_issue("numerator-exceeds-denominator", sheet=sheet, cell=row.numerator.cell,
                                     indicator=ind.code, numerator=num, denominator=den,
                                     num_cell=row.numerator.cell, den_cell=row.denominator.cell))
        return None
    if num is not None and den:
        given = read_ratio(row.ratio)
        computed = 100.0 * num / den
        # a plain number may be a percentage (86) or a fraction (0.86); a cell shown as a percentage is what it shows
        readings = [given] if ratio_shown_as_percent(row.ratio) else [given, (given or 0) * 100]
        if given is not None and all(abs(g - computed) > RATIO_TOLERANCE for g in readings):
            shown = given if ratio_shown_as_percent(row.ratio) or given > 1 else given * 100
            out.issues.append(make_issue("ratio-mismatch", sheet=sheet, cell=row.ratio.cell, indicator=ind.code,
                                         given=_fmt_pct(shown), computed=_fmt_pct(computed)))
    return Value(ind.code, num, den, row.numerator.cell, row.denominator.cell)


def _check_yes_no(row: TableRow, ind: Indicator, sheet: str, out: Checked) -> Value | None:
    answer, err, text = read_yes_no(row.numerator)
    if err:
        out.issues.append(_value_issue(err, sheet, row.numerator, ind, "Số đạt", text))
        return None
    den, den_err, den_text = read_count(row.denominator)
    if den_err == "formula-no-value":
        out.issues.append(_value_issue(den_err, sheet, row.denominator, ind, "Tổng số", den_text))
        return None
    if den_err or den not in (None, 1):
        out.issues.append(make_issue("value-not-number", sheet=sheet, cell=row.denominator.cell, indicator=ind.code,
                                     column="Tổng số", text=den_text,
                                     hint="Chỉ tiêu này chỉ ghi 'Có'/'Không' ở cột Số đạt; để trống cột Tổng số hoặc ghi 1."))
        return None
    if answer is None:
        return Value(ind.code, None, None, row.numerator.cell, row.denominator.cell)
    return Value(ind.code, int(answer), 1, row.numerator.cell, row.denominator.cell)


def _fmt_pct(v: float) -> str:
    return f"{v:.2f}".replace(".", ",") + " %"


def check_return(loc: Located | None, units: Units, plans: Plans) -> Checked:
    """Every check that needs only the file, the org units and the plans."""
    out = Checked()
    if loc is None:
        out.issues.append(make_issue("no-table"))
        return out
    out.sheet = loc.sheet
    if loc.conflicts:
        sheets = ", ".join(f"'{name}'" for name in [loc.sheet, *loc.conflicts])
        out.issues.append(make_issue("no-table", sheet=loc.sheet, variant="no-table-several-returns", sheets=sheets))
        return out
    for sheet, cell in loc.hidden_tables:
        where = f"{sheet}!{cell}" if cell else f"trang tính ẩn '{sheet}'"
        out.issues.append(make_issue("indicator-unknown", sheet=sheet, cell=cell, variant="hidden-table", where=where))
    # the period decides the map, and so whether a district or a commune reports (units.md)
    found = loc.period or loc.title_period
    period = parse_period(found.value) if found is not None and found.value not in (None, "") else None
    if period is not None:
        map_ = plans.national_for(period.year).period(period).map or OLD_MAP
    else:
        map_ = NEW_MAP if loc.commune is not None and units.provinces_2025 else OLD_MAP
    check_units(loc, units, out, map_)
    if out.province_code and out.map == NEW_MAP:
        plan = plans.for_unit(units.provinces_2025[out.province_code], units, period.year if period else None)
    elif out.province_code:
        plan = plans.for_province(out.province_code, OLD_MAP, period.year if period else None)
    else:
        plan = plans.national_for(period.year if period else None)
    out.plan = plan
    check_period(loc, plan, out)
    check_values(loc, plan, out)
    return out


def check_history(out: Checked, previous: dict[str, int | None]) -> None:
    """``denominator-jump``: Tổng số moved by more than half, and by at least 20, from the unit's previous return."""
    for code, value in out.values.items():
        before = previous.get(code)
        if not value.reported or not before or (out.plan and out.plan.indicator(code) and out.plan.indicator(code).is_yesno):
            continue
        change = (value.denominator - before) / before
        if abs(change) > JUMP_LIMIT and abs(value.denominator - before) >= JUMP_MIN_UNITS:
            out.issues.append(make_issue("denominator-jump", sheet=out.sheet, cell=value.den_cell, indicator=code,
                                         change=f"{change * 100:+.0f} %".replace(".", ","),
                                         previous=f"{before:,}".replace(",", "."),
                                         current=f"{value.denominator:,}".replace(",", ".")))


def check_timeliness(out: Checked, received: dt.datetime) -> bool:
    """Adds ``late`` when received after the due date; returns whether it was on time."""
    if out.period is None or out.plan is None:
        return True
    due = out.plan.due_date(out.period)
    if received.date() > due:
        out.issues.append(make_issue("late", sheet=None, cell=None, received=received.strftime("%d/%m/%Y"),
                                     due=due.strftime("%d/%m/%Y"), period=out.period.label))
        return False
    return True
