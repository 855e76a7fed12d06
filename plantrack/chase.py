"""The chase list: which reporting units a planner must call for a period, and what to say.

For every unit expected to report in the period that has no accepted return (it never sent
one, or everything it sent was refused) — and, after them, those whose return came late — the
list gives the due date, the days overdue, the last thing received from it (when, and the
first error when it was refused) and the accounts that can act for it. ``chase_workbook``
writes the same list as an Excel file with Vietnamese headings, every value as a value.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from plantrack.measure import completeness_matrix, province_unit, scope_of
from plantrack.plain import text_cell
from plantrack.plans import Plans, load_plans
from plantrack.store import Store
from plantrack.units import Unit, Units, load_units

STATE_VI = {"missing": "Chưa nộp", "refused": "Bị từ chối", "late": "Nộp trễ hạn", "on_time": "Đúng hạn"}
# who is furthest behind comes first: nothing usable, then a refused file, then late
_ORDER = {"missing": 0, "refused": 1, "late": 2, "on_time": 3}

COLUMNS = [("Đơn vị", 34), ("Thuộc", 26), ("Tình trạng", 14), ("Hạn nộp", 12), ("Số ngày quá hạn", 10),
           ("Lần gửi gần nhất", 17), ("Kết quả lần gửi đó", 18), ("Lỗi đầu tiên", 60), ("Tài khoản", 22)]


def chase_list(store: Store, province: Unit | str, period: str, units: Units | None = None,
               plans: Plans | None = None, today: dt.date | None = None, include_late: bool = True) -> list[dict]:
    """The units to chase for ``period``, furthest behind first (never reported, then refused,
    then late; within each, most days overdue, then by name)."""
    units = units or load_units()
    plans = plans or load_plans()
    today = today or dt.date.today()
    prov = province_unit(units, province)
    plan = plans.for_unit(prov, units)
    p = plan.period(period)
    keep = {"missing", "refused"} | ({"late"} if include_late else set())
    matrix = [r for r in completeness_matrix(store, prov, units, plans, today=max(today, p.due))
              if r["period"] == p.code and r["state"] in keep]
    last = _last_receipts(store, prov, p.code, units)
    accounts = _accounts(store, [r["unit_code"] for r in matrix])
    overdue = max(0, (today - p.due).days)
    rows = []
    for r in matrix:
        got = last.get(r["unit_code"])
        rows.append({
            "unit_code": r["unit_code"], "unit": r["unit"], "map": r["map"], "group": r.get("group"),
            "state": r["state"], "state_label": STATE_VI[r["state"]], "period": p.code, "period_label": p.label,
            "due": p.due, "days_overdue": overdue if r["state"] != "late" else 0,
            "last_received": got["received_at"] if got else None,
            "last_outcome": got["outcome"] if got else None,
            "first_error": got["first_error"] if got else None,
            "accounts": accounts.get(r["unit_code"], []),
        })
    rows.sort(key=lambda r: (_ORDER[r["state"]], -r["days_overdue"], r["unit"]))
    return rows


def _last_receipts(store: Store, province: Unit, period: str, units: Units) -> dict[str, dict]:
    """Unit code -> its newest receipt for the period, with the first error of a refused one."""
    where, params = scope_of(units, province).where("c")
    rows = store.rows(
        "SELECT c.district_code, c.received_at, c.outcome, c.id, "
        "  (SELECT i.message FROM issues i WHERE i.receipt_id = c.id AND i.severity = 'error' ORDER BY i.seq LIMIT 1), "
        "  (SELECT i.code FROM issues i WHERE i.receipt_id = c.id AND i.severity = 'error' ORDER BY i.seq LIMIT 1) "
        f"FROM receipts c WHERE {where} AND c.period = ? AND c.district_code IS NOT NULL "
        "QUALIFY row_number() OVER (PARTITION BY c.district_code ORDER BY c.id DESC) = 1", [*params, period])
    return {code: {"received_at": when, "outcome": outcome, "receipt_id": rid,
                   "first_error": {"code": ecode, "message": message} if ecode else None}
            for code, when, outcome, rid, message, ecode in rows}


def _accounts(store: Store, unit_codes: list[str]) -> dict[str, list[str]]:
    if not unit_codes:
        return {}
    marks = ", ".join("?" for _ in unit_codes)
    out: dict[str, list[str]] = {}
    for name, code in store.rows(f"SELECT username, district_code FROM users WHERE district_code IN ({marks}) "
                                 "ORDER BY username", unit_codes):
        out.setdefault(code, []).append(name)
    return out


def chase_rows(rows: list[dict]) -> list[dict]:
    """The list as the page's table: Vietnamese column names, dates as the officer writes them."""
    out = []
    for r in rows:
        err = r["first_error"]
        out.append({
            "Đơn vị": r["unit"], "Thuộc": r["group"] or "", "Tình trạng": r["state_label"],
            "Hạn nộp": r["due"].strftime("%d/%m/%Y"), "Số ngày quá hạn": r["days_overdue"],
            "Lần gửi gần nhất": r["last_received"].strftime("%d/%m/%Y %H:%M") if r["last_received"] else "chưa gửi",
            "Kết quả lần gửi đó": {"accepted": "Đã nhận", "unchanged": "Trùng tệp", "rejected": "Bị từ chối"}.get(
                r["last_outcome"], ""),
            "Lỗi đầu tiên": err["message"] if err else "",
            "Tài khoản": ", ".join(r["accounts"]) or "chưa có tài khoản",
        })
    return out


def chase_workbook(rows: list[dict], title: str) -> bytes:
    """The chase list as ``.xlsx`` bytes: a title, Vietnamese headings, one row per unit. Every
    cell is a value (an error message quoting a file's text stays text, never a formula)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "CanDonDoc"
    bold = Font(name="Times New Roman", bold=True, size=12)
    normal = Font(name="Times New Roman", size=11)
    ws.cell(1, 1, title).font = Font(name="Times New Roman", bold=True, size=14)
    for col, (name, width) in enumerate(COLUMNS, start=1):
        c = ws.cell(3, col, name)
        c.font, c.fill = bold, PatternFill("solid", fgColor="DCE6F1")
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    for n, row in enumerate(chase_rows(rows), start=4):
        for col, (name, _) in enumerate(COLUMNS, start=1):
            c = text_cell(ws.cell(n, col, row[name])) if isinstance(row[name], str) else ws.cell(n, col, row[name])
            c.font = normal
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(len(COLUMNS))}{max(3, len(rows) + 3)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


