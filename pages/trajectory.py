"""Tiến độ: one indicator of the province over every period, against the straight path from
its baseline to 100 % in the target year, and when it gets there at the current pace."""

import streamlit as st

from pages import common
from plantrack import charts, views

province = common.selected_province()
plan = common.plans().for_province(province)
name = common.units().provinces[province].full_name

st.header(f"Tiến độ — {name}")
if not common.require_data(province, None):
    st.stop()

indicator = common.pick_indicator(plan, key="trajectory_indicator")
traj = common.trajectory(province, indicator.code)
st.markdown(views.trajectory_sentence(traj))
common.plot(charts.trajectory_chart(traj), key="trajectory_chart")
st.caption("Đường nét đứt: lộ trình thẳng từ kết quả năm gốc đến 100 % năm mục tiêu. Màu mỗi điểm: trạng thái "
           "của kỳ đó. Đường chấm: dự báo nếu giữ tốc độ tăng bình quân từ năm gốc đến kỳ gần nhất. "
           "Biểu đồ hiện mọi kỳ, không phụ thuộc kỳ đang chọn ở thanh bên.")
common.draw_status_legend()
