"""Tiến độ: one indicator of the province over every period, against the straight path from
its baseline to 100 % in the target year, and when it gets there at the current pace. A
province of today runs from 2020 across the 2025 reform as one series (marked on the chart)."""

import streamlit as st

from pages import common
from plantrack import charts, views

units = common.units()
province = common.selected_province()
plan = common.plan_for(province, common.selected_period())  # named as the chosen period does
name = views.province_name(province, units)

st.header(f"Tiến độ — {name}")
if not common.require_data(province, None):
    st.stop()

indicator = common.pick_indicator(plan, key="trajectory_indicator")
traj = common.trajectory(province, indicator.code)
st.markdown(views.trajectory_sentence(traj))
note = views.trajectory_note(traj, province, units)
if note:
    st.markdown(note)
common.plot(charts.trajectory_chart(traj), key="trajectory_chart")
st.caption("Đường nét đứt: lộ trình thẳng từ kết quả năm gốc đến 100 % năm mục tiêu. Màu mỗi điểm: trạng thái "
           "của kỳ đó. Đường chấm: dự báo nếu giữ tốc độ tăng bình quân từ năm gốc đến kỳ gần nhất. "
           + (f"Đường chấm tím: {charts.reform_label(traj['reform'])}. " if traj.get("reform") else "")
           + "Biểu đồ hiện mọi kỳ, không phụ thuộc kỳ đang chọn ở thanh bên.")
common.draw_status_legend()
