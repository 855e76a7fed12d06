"""What was received: every file a district (or a province's districts) sent, its outcome and
version, the issues found in it, and its original bytes.

Receipts are never changed after they are written (ingest.py); this module only reads them.
A receipt repeats its return's version when it was ``accepted`` or ``unchanged``; a refused
file has no version. The newest accepted version of a district and period is the one that
counts (``current``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from plantrack.plans import parse_period
from plantrack.store import Store
from plantrack.units import Units

OUTCOME_VI = {"accepted": "Đã nhận", "unchanged": "Trùng tệp đã nhận (không đổi)", "rejected": "Bị từ chối"}

_SELECT = """
SELECT c.id, c.filename, c.sender, c.received_at, c.loaded_at, c.outcome, c.province_code,
       c.district_code, c.period, r.version, r.on_time,
       r.is_current AS current,
       c.sha256, b.size,
       (SELECT count(*) FROM issues i WHERE i.receipt_id = c.id AND i.severity = 'error') AS errors,
       (SELECT count(*) FROM issues i WHERE i.receipt_id = c.id AND i.severity = 'warning') AS warnings
FROM receipts c
LEFT JOIN returns r ON r.id = c.return_id
LEFT JOIN blobs b ON b.sha256 = c.sha256
"""
_KEYS = ("receipt_id", "filename", "sender", "received_at", "loaded_at", "outcome", "province_code",
         "district_code", "period", "version", "on_time", "current", "sha256", "size", "errors", "warnings")


def receipts(store: Store, *, province_code: str | None = None, district_code: str | None = None,
             period: str | None = None, sender: str | None = None,
             provinces: list[tuple[str, str]] | None = None) -> list[dict]:
    """Every receipt matching all the filters given, newest period first, then newest first.

    ``provinces`` ((map, province code) pairs) keeps receipts of those provinces, each on its
    own map: today's Cần Thơ is [("pre2025", "92"), ("pre2025", "93"), ("pre2025", "94"),
    ("2025", "92")] (codes are reused across the maps, units.md).

    ``sender`` adds every receipt that user sent, whatever district it names or when none
    could be read (a PDF, another district's file sent by mistake): an officer sees all
    their own attempts — with ``period``, only those of that period (a file whose period
    could not be read then drops out)."""
    where, params = [], []
    if province_code:
        where.append("c.province_code = ?")
        params.append(province_code)
    if provinces is not None:
        where.append("(" + (" OR ".join("(coalesce(c.map, 'pre2025') = ? AND c.province_code = ?)" for _ in provinces)
                            or "FALSE") + ")")
        params += [x for pair in provinces for x in pair]
    if district_code:
        where.append("c.district_code = ?")
        params.append(district_code)
    if period:
        where.append("c.period = ?")
        params.append(period)
    sql = _SELECT + (" WHERE (" + " AND ".join(where) + ")" if where else "")
    if sender and where:
        # one's own attempts whatever unit they name, but still of the period asked for
        sql += " OR (c.sender = ?" + (" AND c.period = ?)" if period else ")")
        params += [sender, period] if period else [sender]
    rows = [_row(r) for r in store.rows(sql, params)]
    rows.sort(key=lambda r: r["receipt_id"], reverse=True)
    rows.sort(key=_period_key, reverse=True)
    return rows


def _row(values: tuple) -> dict:
    row = dict(zip(_KEYS, values))
    row["issues"] = row["errors"] + row["warnings"]
    row["stored"] = row["size"] is not None  # an oversize file keeps only its receipt
    row["current"] = bool(row["current"]) and row["outcome"] == "accepted"
    return row


def _period_key(row: Mapping) -> tuple:
    p = parse_period(row.get("period")) if row.get("period") else None
    return p.sort_key if p else (0, 0)


def return_history(store: Store, district_code: str, period: str | None = None, *,
                   sender: str | None = None) -> list[dict]:
    """Every receipt for the district (for one period, if given), newest first: receipt_id,
    filename, sender, received_at, outcome, period, version, current, sha256, errors,
    warnings, issues (their sum) and more (see ``receipts``)."""
    return receipts(store, district_code=district_code, period=period, sender=sender)


def receipt(store: Store, receipt_id: int) -> dict | None:
    """One receipt, in the shape of ``receipts``; None when there is no such receipt."""
    rows = store.rows(_SELECT + " WHERE c.id = ?", [receipt_id])
    return _row(rows[0]) if rows else None


def receipt_issues(store: Store, receipt_id: int) -> list[dict]:
    """The errors and warnings found in one received file, in the order they were found."""
    rows = store.rows("SELECT code, severity, sheet, cell, indicator, message FROM issues "
                      "WHERE receipt_id = ? ORDER BY seq", [receipt_id])
    return [dict(zip(("code", "severity", "sheet", "cell", "indicator", "message"), r)) for r in rows]


def original_bytes(store: Store, sha256: str) -> bytes | None:
    """The file exactly as it was received; None when it was not kept (over the size limit) or is unknown."""
    rows = store.rows("SELECT content FROM blobs WHERE sha256 = ?", [sha256])
    return bytes(rows[0][0]) if rows else None


# --- tables for the pages ----------------------------------------------------------------

def _when(value: dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if isinstance(value, dt.datetime) else ""


def period_label(code: str | None) -> str:
    p = parse_period(code) if code else None
    return p.label if p else (code or "")


def receipt_label(row: Mapping, units: Units | None = None) -> str:
    """One line naming a receipt, for pickers: ``#12 · Huyện Châu Thành · Năm 2023 · phiên bản 2 · tệp.xlsx``."""
    parts = [f"#{row['receipt_id']}"]
    unit = units.reporting_unit(row.get("district_code") or "") if units is not None else None
    if unit is not None:
        parts.append(unit.full_name)
    if row.get("period"):
        parts.append(period_label(row["period"]))
    parts.append(f"phiên bản {row['version']}" if row.get("version") else OUTCOME_VI.get(row["outcome"], row["outcome"]))
    parts.append(download_name(row))
    return " · ".join(parts)


def download_name(row: Mapping) -> str:
    """The received file's own name (without the folders it came from)."""
    name = (row.get("filename") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name or f"bao-cao-{row.get('receipt_id')}.xlsx"


def history_rows(rows: Iterable[Mapping], units: Units | None = None,
                 sender_visible: bool | Callable[[Mapping], bool] = True) -> list[dict]:
    """The receipts as a Vietnamese table: Huyện (Xã, phường for communes; Huyện, xã for both),
    Kỳ báo cáo, Phiên bản, Kết quả, Người gửi, Ngày nhận, Tệp, Lỗi, Cảnh báo, Số phiếu (receipt id).

    ``sender_visible`` False leaves the Người gửi column out; a function blanks it on the rows it refuses."""
    out = []
    rows = list(rows)
    found = [units.reporting_unit(r.get("district_code") or "") if units is not None else None for r in rows]
    levels = {u.level for u in found if u is not None}
    column = {frozenset({"commune"}): "Xã, phường", frozenset({"district", "commune"}): "Huyện, xã"}.get(
        frozenset(levels), "Huyện")
    for r, district in zip(rows, found):
        version = ""
        if r.get("version"):
            version = f"{r['version']}" + (" (đang dùng)" if r.get("current") else "")
        out.append({
            column: district.full_name if district else (r.get("district_code") or "Không đọc được"),
            "Kỳ báo cáo": period_label(r.get("period")),
            "Phiên bản": version,
            "Kết quả": OUTCOME_VI.get(r["outcome"], r["outcome"]),
            "Người gửi": (r.get("sender") or "") if sender_visible is True or (
                callable(sender_visible) and sender_visible(r)) else "",
            "Ngày nhận": _when(r.get("received_at")),
            "Tệp": download_name(r),
            "Lỗi": r.get("errors", 0),
            "Cảnh báo": r.get("warnings", 0),
            "Số phiếu": r["receipt_id"],
        })
        if sender_visible is False:
            del out[-1]["Người gửi"]
    return out
