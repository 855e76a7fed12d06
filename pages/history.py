"""Lịch sử: every file received for the province's districts (an officer: their own district),
its outcome and version, the issues found in one of them, and its original bytes.

The list is readable like the dashboards; downloading a file needs an account that may act
for its district (``can_act_for``). Text from a file (its name, cells quoted in messages) is shown
as text, never as Markdown; the marked-up copy is made once per file (``cached_annotation``).
"""

from __future__ import annotations

import streamlit as st

from pages import common
from plantrack.accounts import can_act_for, home_province, may_see_sender, own_unit
from plantrack.annotate import annotation_dir, cached_annotation, issue_rows
from plantrack.history import (
    OUTCOME_VI, download_name, history_rows, original_bytes, period_label, receipt_issues, receipt_label, receipts,
)
from plantrack.issues import Issue
from plantrack.plain import file_name, markdown_text
from plantrack.views import province_name

ALL = ""  # the "every unit / every period" choice

st.header("Lịch sử nộp báo cáo")

units, plans = common.units(), common.plans()
user = common.current_user()
mine = own_unit(user, units)  # an officer: their commune, or their former district
officer = bool(user and user.get("role") == "district")
# an officer sees their own unit's province; anyone else the sidebar's (downloads decided per file)
province = (home_province(user, units) if officer else None) or common.selected_province()
plan = common.plan_for(province)
scope = [("pre2025", p.code) for p in units.lineage(province)] + ([("2025", province.code)]
                                                                  if province.map == "2025" else [])


@st.cache_data(show_spinner=False)
def list_receipts(scope: tuple, district_code: str, period: str, sender: str) -> list[dict]:
    return receipts(common.get_store(), provinces=list(scope), district_code=district_code or None,
                    period=period or None, sender=sender or None)


left, right = st.columns(2)
if officer:
    district = mine.code if mine else ""
    left.markdown(f"**{mine.full_name if mine else 'Đơn vị không còn'}** — các tệp đơn vị đã nộp")
else:
    maps = ("pre2025", "2025") if province.map == "2025" else ("pre2025",)
    codes = [ALL] + [u.code for m in maps for u in units.reporting_units(province, m)]
    district = left.selectbox("Đơn vị (xã, phường; huyện cũ)" if province.map == "2025" else "Huyện", codes,
                              key="history_district",
                              format_func=lambda c: units.reporting_unit(c).full_name if c else "Tất cả các đơn vị")
# the sidebar's period (a shared link's), or every period; choosing one here chooses it there too
period = common.pick_period("history_period", everything="Tất cả các kỳ", province=province, container=right) or ALL

rows = list_receipts(tuple(scope), district, period, user["username"] if officer else "")
if not rows:
    where = units.reporting_unit(district).full_name if district else province_name(province, units)
    st.info(f"Chưa nhận tệp báo cáo nào của {where}{', ' + period_label(period) if period else ''}.")
    st.stop()

counts = {o: sum(r["outcome"] == o for r in rows) for o in ("accepted", "rejected", "unchanged")}
parts = [f"{counts['accepted']} thành phiên bản mới", f"{counts['rejected']} bị từ chối",
         f"{counts['unchanged']} trùng tệp đã có"]
st.caption(f"{len(rows)} tệp đã nhận: " + ", ".join(p for p, n in zip(parts, counts.values()) if n)
           + ". Phiên bản mới nhất của mỗi đơn vị và kỳ là phiên bản đang dùng để tính các chỉ tiêu.")
senders = (lambda r: may_see_sender(user, r, units)) if user else False  # log-in names: not for visitors
st.dataframe(history_rows(rows, units, senders), hide_index=True, width="stretch")

# --- one receipt --------------------------------------------------------------------------
st.subheader("Chi tiết một tệp")
chosen = st.selectbox("Chọn tệp", rows, format_func=lambda r: receipt_label(r, units), key="history_receipt")
sent = chosen["received_at"].strftime("%d/%m/%Y %H:%M") if chosen["received_at"] else ""
version = f", phiên bản {chosen['version']}" + (" (đang dùng)" if chosen["current"] else "") if chosen["version"] else ""
sender = f" bởi **{markdown_text(chosen['sender'] or 'không rõ')}**" if may_see_sender(user, chosen, units) else ""
st.markdown(f"**{markdown_text(download_name(chosen))}** — gửi{sender} lúc {sent}. "
            f"Kết quả: **{OUTCOME_VI.get(chosen['outcome'], chosen['outcome'])}**{version}.")

issues = receipt_issues(common.get_store(), chosen["receipt_id"])
errors = [i for i in issues if i["severity"] == "error"]
warnings = [i for i in issues if i["severity"] != "error"]
if errors:
    st.error(f"{len(errors)} lỗi (tệp bị từ chối vì các lỗi này):", icon=":material/block:")
    common.draw_issues(issue_rows(errors, plan), key="history_errors")
if warnings:
    st.warning(f"{len(warnings)} cảnh báo:", icon=":material/warning:")
    common.draw_issues(issue_rows(warnings, plan), key="history_warnings")
if not issues:
    st.success("Không có lỗi hay cảnh báo nào.", icon=":material/check_circle:")

may_download = bool(user) and (can_act_for(user, chosen["district_code"], units) or user.get("role") == "admin"
                               or chosen["sender"] == user.get("username"))  # one's own file, whatever it says
if not user:
    st.caption(f"Đăng nhập {common.LOGIN_PLACE} để tải tệp gốc.")
elif not may_download:
    st.caption("Tài khoản này không được tải tệp của đơn vị này.")
elif not chosen["stored"]:
    st.caption("Tệp này vượt giới hạn dung lượng nên không được lưu; chỉ còn kết quả kiểm tra.")
else:
    data = original_bytes(common.get_store(), chosen["sha256"])
    cols = st.columns(2)
    cols[0].download_button("Tải tệp gốc", data, file_name=file_name(download_name(chosen)), key="history_original",
                            icon=":material/download:", on_click="ignore")
    if errors and any(i["cell"] for i in issues):  # something in the file to point at
        marked = cached_annotation(annotation_dir(common.get_store().path), data, [Issue(**i) for i in issues])
        stem = file_name(download_name(chosen)).rsplit(".", 1)[0]
        cols[1].download_button("Tải tệp đã đánh dấu lỗi", marked, file_name=f"{stem}-danh-dau-loi.xlsx",
                                key="history_marked", icon=":material/download:", on_click="ignore",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
