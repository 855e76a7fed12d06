"""Tổng quan: how far the province is from the 100 % targets in the chosen period, at a glance.

One card per indicator group (its lowest indicator: a group is done only when all of its
indicators are), then every indicator as a bar against 100 % and the required trajectory.
"""

import streamlit as st

from pages import common
from plantrack import charts, views

province, period = common.selected_province(), common.selected_period()
name = common.units().provinces[province].full_name

st.header(f"Tổng quan — {name}")
if not common.require_data(province, period):
    st.stop()

report = common.report(province, period)
st.markdown(f"#### {report['period_label']}: {views.completeness_sentence(report)}")
st.markdown(views.status_sentence(report) + ". " + views.goal_sentence(common.plans().for_province(province)))

cards = views.group_cards(report)
for row in range(0, len(cards), 3):
    for column, card in zip(st.columns(3), cards[row:row + 3]):
        with column:
            common.draw_group_card(card)

common.plot(charts.progress_bars(report), key="overview_progress")
common.draw_status_legend()
st.caption(f"Giá trị của tỉnh = tổng Số đạt ÷ tổng Tổng số của các huyện đã báo cáo (không lấy trung bình các tỷ lệ). "
           f"Kế hoạch: {report['plan']['document']}.")
