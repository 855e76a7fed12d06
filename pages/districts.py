"""Huyện, xã: every district (old periods) or commune (periods after 1/7/2025) × indicator,
coloured by status — grouped by former district (or former province), furthest behind first,
searchable and paged, so 100+ communes stay readable — then one unit in detail: its trajectory
for an indicator, what it became or came from across the reform, and every file it has sent."""

import streamlit as st

from pages import common
from plantrack import charts, views
from plantrack.accounts import own_unit

units = common.units()
province = common.selected_province()
name = views.province_name(province, units)
top = st.container()  # the header, once the period is known
# the sidebar's period, pickable here too (the heatmap, its detail and the link follow it)
period = common.pick_period("districts_period", container=st.columns([1, 3])[0])
plan = common.plan_for(province, period)  # worded for the period's map
commune = common.period_map(province, period) == "2025"
word = "xã, phường" if commune else "huyện"

top.header(f"{'Xã, phường' if commune else 'Huyện'} — {name}")
if not common.require_data(province, period):
    st.stop()

report = common.report(province, period)
st.markdown(f"#### {report['period_label']}: {views.completeness_sentence(report)}")
if commune:
    st.caption(f"Từ {views.reform_day(units)} các xã, phường báo cáo thay huyện; mỗi xã, phường được xếp theo "
               "huyện cũ mà nó nằm trong.")

left, middle, right = st.columns([2, 2, 1])
search = left.text_input(f"Tìm {word}", key="districts_search", placeholder="Gõ một phần tên, có dấu hoặc không")
full = views.heatmap_view(report, units)
group_names = [g["group"] for g in full["groups"]]
group = ""
if full["several_groups"]:
    group = middle.selectbox("Huyện cũ" if commune else "Tỉnh cũ", [""] + group_names, key="districts_group",
                             format_func=lambda g: g or "Tất cả")
view = views.heatmap_view(report, units, search=search, group=group or None)
if view["pages"] > 1:
    page = right.number_input(f"Trang (1–{view['pages']})", 1, view["pages"], 1, key="districts_page") - 1
    view = views.heatmap_view(report, units, search=search, group=group or None, page=page)
shown = len(view["order"])
st.caption(f"Đang hiện {shown}/{view['matched']} {word}" + (f" khớp “{search}”" if search else "")
           + (f" (trang {view['page'] + 1}/{view['pages']})" if view["pages"] > 1 else "")
           + f"; cả tỉnh {view['total']} {word}. Nhóm chậm nhất ở trên, trong mỗi nhóm {word} chậm nhất ở trên; "
           "chỉ tiêu chưa báo cáo tính là chậm.")
if full["several_groups"]:
    with st.expander(f"Tóm tắt theo {'huyện cũ' if commune else 'tỉnh cũ'} ({len(group_names)} nhóm)",
                     expanded=commune and not search and not group):
        st.dataframe(views.group_summary_rows(full), hide_index=True, width="stretch")
with st.container(key="wide_only_districts_heatmap"):  # a phone gets the list below (stylesheet.py)
    common.plot(charts.district_heatmap(report, order=view["order"], labels=view["labels"],
                                        note="nhóm và đơn vị chậm nhất ở trên cùng" if full["several_groups"] else None),
                key="districts_heatmap")
with st.container(key="narrow_only_districts_heatmap"):
    st.caption(f"Kết quả từng chỉ tiêu, {word} chậm nhất ở trên (Thứ tự 1). Chậm: số chỉ tiêu chậm hoặc "
               "chưa báo cáo. Bấm tên cột để xếp lại.")
    st.dataframe(views.heatmap_list_rows(report, view), hide_index=True, width="stretch",
                 column_config={word.capitalize(): st.column_config.Column(pinned=True, width="medium")})
common.draw_status_legend()

st.subheader(f"Chi tiết một {'xã, phường' if commune else 'huyện'}")
left, right = st.columns(2)
choices = view["all"] or full["all"]
mine = own_unit(common.current_user(), units)  # an officer's page opens on their own unit (or what it was, became)
code = left.selectbox(f"{'Xã, phường' if commune else 'Huyện, thị xã, thành phố'} (chậm nhất ở đầu danh sách)",
                      choices, key="districts_district", format_func=lambda c: full["labels"].get(c, c),
                      index=views.detail_unit_index(choices, mine, units))
unit = units.reporting_unit(code)
with right:
    indicator = common.pick_indicator(plan, key="districts_indicator")
st.info(views.lineage_text(unit, units), icon=":material/account_tree:")
if indicator.code in plan.indicators_for(unit.parent) or unit.level == "commune":
    traj = common.trajectory(unit, indicator.code)
    st.markdown(views.trajectory_sentence(traj))
    common.plot(charts.trajectory_chart(traj), key="districts_trajectory")
else:
    st.caption(f"{indicator.code} không có trong kế hoạch của {units.provinces[unit.parent].full_name} (cũ).")

st.markdown(f"**Các tệp {unit.full_name} đã gửi**")
rows = common.district_history(unit.code)
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.info(f"Chưa nhận tệp nào của {unit.full_name}.")
