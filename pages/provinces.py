"""So sánh tỉnh: one indicator in one period, every province ranked (the chosen one in bold)."""

import streamlit as st

from pages import common
from plantrack import charts, views

province, period = common.selected_province(), common.selected_period()
plan = common.plan_for(province, period)  # worded for the period's map

st.header("So sánh tỉnh")
indicator = common.pick_indicator(plan, key="provinces_indicator")
if not common.require_data(province, period, available=common.periods_with_data(None), where="Các tỉnh"):
    st.stop()

# a former province is compared with the former ones, a province of today with today's 34 (units.md)
rows = common.provinces_comparison(indicator.code, period, province.map)
everyone = st.toggle("Hiện cả các tỉnh chưa có số liệu", value=False, key="provinces_everyone")
shown = rows if everyone else views.with_data_only(rows, keep=province.code)
which = "tỉnh, thành phố hiện nay" if province.map == "2025" else "tỉnh trước 1/7/2025"
st.caption(f"{common.period_label(period)} · {sum(r['value'] is not None for r in rows)}/{len(rows)} {which} có số liệu "
           f"của chỉ tiêu {indicator.code}. Tỉnh đang chọn in đậm. Thứ hạng theo kết quả; **màu là tiến độ của "
           "từng tỉnh so với lộ trình của chính tỉnh đó** (từ năm gốc của tỉnh đến 100 %), nên hai tỉnh cùng kết quả "
           "có thể khác màu.")
common.plot(charts.province_ranking(shown, f"{indicator.code} {indicator.short_name}", highlight=province.code),
            key="provinces_ranking")
common.draw_status_legend()
