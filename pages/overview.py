"""Tổng quan: how far the province is from the 100 % targets in the chosen period, at a glance.

One card per indicator group (its lowest indicator: a group is done only when all of its
indicators are), then every indicator as a bar against 100 % and the required trajectory.
A province of today formed from several names them: its figures before 1/7/2025 are theirs.
"""

import streamlit as st

from pages import common
from plantrack import charts, views

units = common.units()
province, period = common.selected_province(), common.selected_period()
name = views.province_name(province, units)

st.header(f"Tổng quan — {name}")
merged = views.merger_text(province, units)
if merged:
    st.caption(f"{merged}. Các kỳ đến 30/6/2025: tổng các huyện của các tỉnh trước đây; "
               f"từ {views.reform_day(units)}: tổng các xã, phường.")
elif views.former_text(province, units):
    st.caption(views.former_text(province, units))
if not common.require_data(province, period):
    st.stop()

report = common.report(province, period)
st.markdown(f"#### {report['period_label']}: {views.completeness_sentence(report)}")
st.markdown(views.status_sentence(report) + ". " + views.goal_sentence(common.plan_for(province)))

cards = views.group_cards(report)
for row in range(0, len(cards), 3):
    for column, card in zip(st.columns(3), cards[row:row + 3]):
        with column:
            common.draw_group_card(card)

common.plot(charts.progress_bars(report), key="overview_progress")
common.draw_status_legend()
word = charts.unit_word(report.get("unit_level"))
st.caption(f"Giá trị của tỉnh = tổng Số đạt ÷ tổng Tổng số của các {word} đã báo cáo (không lấy trung bình các tỷ lệ). "
           f"Kế hoạch: {report['plan']['document']}.")
