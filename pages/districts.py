"""Huyện: every district × indicator coloured by status (slowest districts on top), then one
district in detail: its trajectory for an indicator and every file it has sent."""

import streamlit as st

from pages import common
from plantrack import charts, views

province, period = common.selected_province(), common.selected_period()
plan = common.plans().for_province(province)
units = common.units()
name = units.provinces[province].full_name

st.header(f"Huyện — {name}")
if not common.require_data(province, period):
    st.stop()

report = common.report(province, period)
st.markdown(f"#### {report['period_label']}: {views.completeness_sentence(report)}")
common.plot(charts.district_heatmap(report), key="districts_heatmap")
common.draw_status_legend()

st.subheader("Chi tiết một huyện")
left, right = st.columns(2)
district = left.selectbox("Huyện, thị xã, thành phố (chậm nhất ở đầu danh sách)", charts.districts_by_need(report),
                          key="districts_district", format_func=lambda c: units.districts[c].full_name)
with right:
    indicator = common.pick_indicator(plan, key="districts_indicator")
traj = common.trajectory(district, indicator.code)
st.markdown(views.trajectory_sentence(traj))
common.plot(charts.trajectory_chart(traj), key="districts_trajectory")

st.markdown(f"**Các tệp {units.districts[district].full_name} đã gửi**")
rows = common.district_history(district)
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.info(f"Chưa nhận tệp nào của {units.districts[district].full_name}.")
