"""Finding a return's header block and indicator table in a sheet, wherever they are.

Tolerant of layout: the table may start on any of the first 30 rows, columns come in any
order, a header may be merged or span two rows, and titles, blank rows, signatures and
notes may surround it. This module only locates things; checks.py judges the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from plantrack.plans import parse_period
from plantrack.text import fold_words
from plantrack.workbook import Cell, Sheet, Workbook, cell_ref

TABLE_START_ROWS = 30

# column role -> header labels (as fold_words keys). A header matches a label exactly, or
# starts with it followed by a space ("tong so gia dinh" is a denominator header).
COLUMN_LABELS: dict[str, tuple[str, ...]] = {
    "code": ("ma chi tieu", "ma so", "ma", "ma ct", "ma so chi tieu"),
    "numerator": ("so dat", "ket qua thuc hien", "ket qua", "so luong dat", "so dat duoc", "tong so dat"),
    "denominator": ("tong so",),
    "ratio": ("ty le", "ti le", "ty le %", "ti le %", "ty le dat"),
    "name": ("chi tieu", "ten chi tieu", "noi dung", "noi dung chi tieu"),
    "stt": ("stt", "tt", "so tt", "so thu tu"),
    "unit": ("don vi tinh", "dvt"),
    "note": ("ghi chu",),
}
# labels that must match exactly (too short or too generic to be a prefix)
EXACT_ONLY = {"ma", "tt"}

HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "province": ("tinh", "tinh thanh pho", "ten tinh", "tinh tp"),
    "district": ("huyen", "quan huyen", "huyen thi xa thanh pho", "ten huyen",
                 "huyen quan thi xa thanh pho", "quan huyen thi xa thanh pho", "huyen thi xa tp"),
    "period": ("ky bao cao", "ky", "thoi gian bao cao"),
    # "Đơn vị báo cáo" names whichever unit reports: a district, or a commune since 1/7/2025 (units.md)
    "unit": ("don vi bao cao", "don vi"),
    "commune": ("xa", "phuong", "dac khu", "xa phuong", "xa phuong dac khu", "xa phuong thi tran",
                "ten xa", "ten xa phuong"),
}


@dataclass
class Found:
    """A value read from the sheet and the cell it came from."""

    value: object
    cell: str | None
    raw: Cell | None = None


@dataclass
class TableRow:
    row: int
    code: Found | None
    name: Found | None
    denominator: Found
    numerator: Found
    ratio: Found | None


@dataclass
class Located:
    sheet: str
    header_row: int  # the (last) header row; data starts below it
    columns: dict[str, int]  # role -> 1-based column
    rows: list[TableRow]
    province: Found | None = None
    district: Found | None = None
    commune: Found | None = None
    unit: Found | None = None  # under the neutral label "Đơn vị báo cáo"
    period: Found | None = None
    title_period: Found | None = None  # a period read from the title, when no label gives it
    issuers: list[Found] = field(default_factory=list)  # "UBND HUYỆN …" lines above the table
    column_titles: dict[str, str] = field(default_factory=dict)
    hidden_tables: list[tuple[str, str | None]] = field(default_factory=list)  # (sheet, header cell) of hidden copies
    conflicts: list[str] = field(default_factory=list)  # other visible sheets holding a different return


def _role(text: object) -> str | None:
    if isinstance(text, str) and len(text) <= 200:  # a header's labels recur in every file
        return _role_of_label(text)
    return _role_key(fold_words(text))


@lru_cache(maxsize=1 << 14)
def _role_of_label(text: str) -> str | None:
    return _role_key(fold_words(text))


def _role_key(key: str) -> str | None:
    if not key:
        return None
    for role, labels in COLUMN_LABELS.items():
        for label in labels:
            if key == label or (label not in EXACT_ONLY and key.startswith(label + " ")):
                return role
    # "Tỷ lệ (%)" folds to "ty le"; "Tỷ lệ đạt (%)" to "ty le dat"; both are ratio columns
    if key.startswith("ty le") or key.startswith("ti le"):
        return "ratio"
    return None


def _merged_value(sheet: Sheet, row: int, col: int) -> object:
    """The value shown at (row, col): a merged range shows its top-left cell everywhere."""
    value = sheet.value(row, col)
    if value not in (None, ""):
        return value
    anchor = sheet.merge_anchor(row, col)
    return sheet.value(*anchor) if anchor else value


def _classify(sheet: Sheet, rows: list[int], width: int) -> dict[str, int]:
    """Roles of columns for a header made of the given rows; lower rows are more specific."""
    roles: dict[str, int] = {}
    for col in range(1, width + 1):
        role = None
        for row in reversed(rows):
            role = _role(_merged_value(sheet, row, col))
            if role:
                break
        if role and role not in roles:
            roles[role] = col
    return roles


def _is_table(roles: dict[str, int]) -> bool:
    return "denominator" in roles and "numerator" in roles and ("code" in roles or "name" in roles)


def find_header(sheet: Sheet, last_row: int | None = None) -> tuple[int, dict[str, int]] | None:
    """(last header row, column roles) of the first indicator table in the sheet, or None.

    The table starts on one of the first 30 rows the officer sees: hidden rows above it do not count."""
    width = sheet.max_col
    if last_row is None:
        last_row = TABLE_START_ROWS
        while sum(1 for r in sheet.hidden_rows if r <= last_row) > last_row - TABLE_START_ROWS:
            last_row += 1
    for row in range(1, last_row + 1):
        single = _classify(sheet, [row], width)
        double = _classify(sheet, [row, row + 1], width)
        # prefer the two-row reading when it finds more roles (a split header), else one row
        if _is_table(double) and len(double) > len(single) and _lower_row_is_header(sheet, row + 1, width):
            return row + 1, double
        if _is_table(single):
            return row, single
    return None


def _lower_row_is_header(sheet: Sheet, row: int, width: int) -> bool:
    """A second header row holds header text, not indicator data."""
    return any(_role(sheet.value(row, c)) for c in range(1, width + 1))


def _is_column_numbering(sheet: Sheet, row: int) -> bool:
    """The row under a header that numbers the columns: 1 2 3 …, (1) (2) (3) …, or A B C …"""
    values = [v for v in (sheet.value(row, c) for c in range(1, sheet.max_col + 1)) if v not in (None, "")]
    if len(values) < 3:
        return False
    keys = [fold_words(v) for v in values]
    if all(k.isdigit() for k in keys):
        numbers = [int(k) for k in keys]
        return numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    return all(len(k) == 1 and k.isalpha() for k in keys) and keys == [chr(ord(keys[0]) + i) for i in range(len(keys))]


def _header_block(sheet: Sheet, above: int) -> dict[str, Found]:
    """Labels above the table and their values: next non-empty cell to the right, or after a colon."""
    found: dict[str, Found] = {}
    for (row, col), cell in sorted(sheet.cells.items()):
        if row >= above or not isinstance(cell.value, str):
            continue
        text = cell.value
        label, _, after = text.partition(":")
        what = _header_kind(label)
        if what is None or what in found:
            continue
        if after.strip():
            # one cell may hold several lines of the block: "Tỉnh: Hậu Giang   Huyện: Châu Thành"
            for kind, value in _labelled_values(text):
                if kind not in found and value:
                    found[kind] = Found(value, cell_ref(row, col), cell)
            continue
        for c in range(col + 1, sheet.max_col + 1):
            right = sheet.get(row, c)
            if right is not None and right.value not in (None, "") or (right is not None and right.formula):
                found[what] = Found(right.value, cell_ref(row, c), right)
                break
        else:
            found[what] = Found(None, cell_ref(row, col), cell)
    return found


def _labelled_values(text: str) -> list[tuple[str, str]]:
    """(kind, value) pairs of a cell written as "label: value" once or several times in a row."""
    parts = text.split(":")
    pairs = []
    kind = _header_kind(parts[0])
    for i in range(1, len(parts)):
        value, next_kind = parts[i], None
        if i < len(parts) - 1:  # the end of this part may be the next label
            words = value.split()
            for cut in range(1, min(len(words), 6) + 1):
                candidate = _header_kind(" ".join(words[-cut:]))
                if candidate:
                    value, next_kind = " ".join(words[:-cut]), candidate
            if next_kind is None:  # a colon inside the value ("08:00"): keep it whole
                parts[i + 1] = parts[i] + ":" + parts[i + 1]
                continue
        if kind:
            pairs.append((kind, value.strip(" \t-–;,.|")))
        kind = next_kind
    return pairs


def _header_kind(label: str) -> str | None:
    key = fold_words(label)
    for what, labels in HEADER_LABELS.items():
        if key in labels:
            return what
    return None


def _title_period(sheet: Sheet, above: int) -> Found | None:
    """A title such as 'BÁO CÁO KẾT QUẢ … 6 THÁNG ĐẦU NĂM 2023', when no label names the period."""
    for (row, col), cell in sorted(sheet.cells.items()):
        if row >= above or not isinstance(cell.value, str):
            continue
        key = fold_words(cell.value)
        if ("bao cao" in key or "ket qua" in key) and parse_period(cell.value) and "nam" in key.split():
            return Found(cell.value, cell_ref(row, col), cell)
    return None


def _issuers(sheet: Sheet, above: int) -> list[Found]:
    """Letterhead lines naming the issuing People's Committee ("UBND HUYỆN CHÂU THÀNH"): the
    unit when no label names it."""
    out = []
    for (row, col), cell in sorted(sheet.cells.items()):
        if row < above and isinstance(cell.value, str):
            key = fold_words(cell.value)
            if key.startswith(("ubnd ", "uy ban nhan dan ")):
                out.append(Found(cell.value, cell_ref(row, col), cell))
    return out


def _found(sheet: Sheet, row: int, col: int | None) -> Found | None:
    if col is None:
        return None
    cell = sheet.get(row, col)
    return Found(cell.value if cell else None, cell_ref(row, col), cell)


def visible_part(sheet: Sheet) -> Sheet:
    """The sheet as the officer sees it: cells of hidden rows and columns left out (addresses kept)."""
    if not sheet.hidden_rows and not sheet.hidden_cols:
        return sheet
    out = Sheet(name=sheet.name, visible=sheet.visible, merged=list(sheet.merged),
                hidden_rows=set(sheet.hidden_rows), hidden_cols=set(sheet.hidden_cols))
    out.cells = {(r, c): cell for (r, c), cell in sheet.cells.items()
                 if r not in sheet.hidden_rows and c not in sheet.hidden_cols}
    return out


def _hidden_part(sheet: Sheet) -> Sheet | None:
    """Only what the officer hid (cells of hidden rows or columns), or None when nothing is hidden."""
    if not sheet.hidden_rows and not sheet.hidden_cols:
        return None
    out = Sheet(name=sheet.name, merged=list(sheet.merged))
    out.cells = {(r, c): cell for (r, c), cell in sheet.cells.items()
                 if r in sheet.hidden_rows or c in sheet.hidden_cols}
    return out


def _header_cell(sheet: Sheet, header: tuple[int, dict[str, int]]) -> str:
    row, roles = header
    return cell_ref(row, roles.get("code", roles.get("name", min(roles.values()))))


def _hidden_tables(sheet: Sheet) -> list[tuple[str, str | None]]:
    """Where the sheet holds an indicator table the officer hid (a whole hidden sheet: no cell)."""
    if not sheet.visible:
        return [(sheet.name, None)] if find_header(sheet) else []
    hidden = _hidden_part(sheet)
    header = find_header(hidden, last_row=hidden.max_row) if hidden is not None else None
    return [(sheet.name, _header_cell(hidden, header))] if header else []


def _signature(loc: Located) -> tuple:
    """What a return says, for telling an identical copy from a different return."""
    def key(found: Found | None) -> str:
        return fold_words(found.value) if found is not None and found.value is not None else ""

    head = tuple(key(f) for f in (loc.province, loc.district, loc.commune, loc.unit, loc.period, loc.title_period))
    issuers = tuple(key(f) for f in loc.issuers)
    rows = tuple((key(r.code), key(r.name), key(r.denominator), key(r.numerator), key(r.ratio)) for r in loc.rows)
    return head, issuers, rows


def locate_sheet(sheet: Sheet) -> Located | None:
    """The return held by one sheet (its visible part), or None."""
    view = visible_part(sheet)
    header = find_header(view)
    if header is None:
        return None
    header_row, roles = header
    first_header_row = header_row
    while first_header_row > 1 and _lower_row_is_header(view, first_header_row - 1, view.max_col) \
            and _classify(view, [first_header_row - 1], view.max_col).keys() & roles.keys():
        first_header_row -= 1
    rows = []
    for row in range(header_row + 1, view.max_row + 1):
        if row in view.hidden_rows or _is_column_numbering(view, row):
            continue
        code = _found(view, row, roles.get("code"))
        name = _found(view, row, roles.get("name"))
        if (code is None or code.value in (None, "")) and (name is None or name.value in (None, "")):
            continue
        rows.append(TableRow(
            row=row, code=code, name=name,
            denominator=_found(view, row, roles["denominator"]),
            numerator=_found(view, row, roles["numerator"]),
            ratio=_found(view, row, roles.get("ratio")),
        ))
    block = _header_block(view, first_header_row)
    return Located(
        sheet=sheet.name, header_row=header_row, columns=roles, rows=rows,
        province=block.get("province"), district=block.get("district"), commune=block.get("commune"),
        unit=block.get("unit"), period=block.get("period"),
        title_period=None if "period" in block else _title_period(view, first_header_row),
        issuers=_issuers(view, first_header_row),
        column_titles={role: str(_merged_value(view, header_row, col) or "") for role, col in roles.items()},
    )


def locate(workbook: Workbook) -> Located | None:
    """The return on the visible sheets, or None when none holds an indicator table.

    Hidden sheets, rows and columns are not the return: a table found there is only noted
    (``hidden_tables``). Visible sheets holding the same return are one return; sheets holding
    different returns are noted in ``conflicts`` (the file is ambiguous)."""
    found: list[Located] = []
    hidden: list[tuple[str, str | None]] = []
    for sheet in workbook.sheets:
        hidden += _hidden_tables(sheet)
        if not sheet.visible:
            continue
        loc = locate_sheet(sheet)
        if loc is not None:
            found.append(loc)
    if not found:
        return None
    first = found[0]
    first.hidden_tables = hidden
    mine = _signature(first)
    first.conflicts = [loc.sheet for loc in found[1:] if _signature(loc) != mine]
    return first
