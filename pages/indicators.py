"""Chỉ tiêu: the plan that governs the chosen province (document, every indicator with its
numerator, denominator, target and source), a merged province's predecessors and their plans,
and every plan file the system knows."""

import streamlit as st

from pages import common
from plantrack import views

province = common.selected_province()
units, plans = common.units(), common.plans()
plan = common.plan_for(province, common.selected_period())  # named as the chosen period does

st.header(f"Chỉ tiêu — {views.province_name(province, units)}")
members = views.predecessor_plans(plan, province, units)
if members:
    st.markdown(f"**{views.merger_text(province, units)}.** Đến 30/6/2025 mỗi tỉnh trước đây theo kế hoạch của mình; "
                "một chỉ tiêu chỉ được tính trên các huyện cũ của tỉnh có chỉ tiêu đó trong kế hoạch.")
    st.subheader("Kế hoạch của các tỉnh trước đây")
    st.table(members, hide_index=True)
else:
    st.markdown(f"Kế hoạch áp dụng: {views.plan_source_text(plan)}")
    st.markdown(f"*{plan.title}*")
    if not plan.provinces:
        st.caption("Tỉnh chưa có tệp kế hoạch riêng: theo dõi các chỉ tiêu của kế hoạch quốc gia.")
st.caption(views.office_text(province).replace("**", ""))
st.caption(f"Kỳ báo cáo: 6 tháng (hạn {plan.h1_due[1]:02d}/{plan.h1_due[0]:02d}) và năm "
           f"(hạn {plan.annual_due[1]:02d}/{plan.annual_due[0]:02d}), từ {plan.first_year} đến {plan.last_year}. "
           f"Tệp: `indicators/{plan.source_file}`.")
st.subheader("Các chỉ tiêu")
st.table(views.indicator_rows(plan, common.period_map(province, common.selected_period())), hide_index=True)

st.subheader("Các tệp kế hoạch")
st.caption("Mỗi kế hoạch là một tệp TOML trong thư mục indicators/; thêm kế hoạch của một tỉnh là thêm một tệp.")
st.table(views.plan_file_rows(plans, units), hide_index=True)
