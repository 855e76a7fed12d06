"""Đơn vị của tôi: a district or commune officer's own unit at a glance — which periods are due
and when, what was received (version, date, on time or late), what was refused and why (each
error with its cell, and the file with its errors marked), the unit's own figures against the
targets, and the form of the next period to fill. Anyone else is told to log in as an officer.
Text from a file (its name, cells quoted in messages) is shown as text, never as Markdown."""

import datetime as dt

import streamlit as st

from pages import common
from plantrack.accounts import own_unit
from plantrack.annotate import issue_rows
from plantrack.plain import file_name, markdown_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.header("Đơn vị của tôi")
units = common.units()
user = common.current_user()
unit = own_unit(user, units)
if unit is None:
    if user and user.get("role") == "district":
        st.warning("Đơn vị của tài khoản này không còn trong danh mục đơn vị hành chính; hãy báo quản trị hệ thống.")
    else:
        st.info(f"Trang này dành cho **cán bộ xã, phường** (và huyện cũ): hãy **đăng nhập** {common.LOGIN_PLACE} "
                "bằng tài khoản "
                "của đơn vị để xem các kỳ phải nộp báo cáo, các tệp đã nộp hoặc bị từ chối (và lý do), số liệu của "
                "đơn vị và mẫu báo cáo của kỳ tiếp theo. Cán bộ cấp tỉnh xem tình hình các đơn vị ở trang "
                "**Tình hình nộp báo cáo**.", icon=":material/badge:")
    st.stop()

province = units.province(unit.map, unit.parent)
view = common.my_unit(unit.map, unit.code, dt.date.today())
st.markdown(f"**{unit.full_name}** ({province.full_name}{' cũ' if unit.map == 'pre2025' else ''})")

# --- what to do next ------------------------------------------------------------------------
if view["next"]:
    st.markdown(view["next"])
    left, right = st.columns(2)
    left.download_button("Tải mẫu báo cáo kỳ tiếp theo (.xlsx)",
                         common.unit_form(unit.map, unit.code, view["next_period"]),
                         file_name=f"mau-bao-cao-{unit.code}-{view['next_period']}.xlsx", mime=XLSX,
                         icon=":material/download:", on_click="ignore", key="my_unit_form")
    right.page_link("pages/upload.py", label="Nộp báo cáo", icon=":material/upload_file:",
                    query_params=common.link_params())
else:
    st.success("Đơn vị đã nộp đủ báo cáo các kỳ đã đến hạn; chưa có kỳ nào phải nộp.", icon=":material/check_circle:")
    st.page_link("pages/upload.py", label="Nộp báo cáo", icon=":material/upload_file:",
                 query_params=common.link_params())

st.subheader("Các kỳ báo cáo")
st.dataframe(view["duties"], hide_index=True, width="stretch")

st.subheader("Đã nhận")
if view["received"]:
    st.dataframe(view["received"], hide_index=True, width="stretch")
else:
    st.info("Chưa có báo cáo nào của đơn vị được nhận.")

st.subheader("Bị từ chối")
if not view["refused"]:
    st.caption("Không có tệp nào bị từ chối.")
plan = common.plan_for(province)
for n, item in enumerate(view["refused"]):
    with st.container(border=True):
        st.markdown(f"**{item['period_label']}** — gửi lúc {item['when']}, bị từ chối vì {len(item['issues'])} lỗi. "
                    f"Tệp **{markdown_text(item['filename'])}**")
        common.draw_issues(issue_rows(item["issues"], plan), key=f"my_unit_issues_{n}")
        marked = common.marked_copy(item["receipt"])
        if marked is not None:
            stem = file_name(item["filename"]).rsplit(".", 1)[0]
            st.download_button("Tải tệp đã đánh dấu lỗi", marked, file_name=f"{stem}-danh-dau-loi.xlsx", mime=XLSX,
                               key=f"my_unit_marked_{n}", icon=":material/download:", on_click="ignore")

st.subheader("Số liệu của đơn vị")
st.caption("Kết quả gần nhất của mỗi chỉ tiêu so với mức phải đạt.")
st.dataframe(view["figures"], hide_index=True, width="stretch")
