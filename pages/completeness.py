"""Tình hình nộp báo cáo: which district sent which report, on time or not, and whom to chase
for the chosen period."""

import streamlit as st

from pages import common
from plantrack import charts, views
from plantrack.charts import COMPLETENESS_LABELS_VI

province, period = common.selected_province(), common.selected_period()
name = common.units().provinces[province].full_name
label = common.period_label(period)

st.header(f"Tình hình nộp báo cáo — {name}")
received_any = bool(common.periods_with_data(province))
if not received_any:
    st.info(f"**{name} chưa nhận báo cáo nào của các huyện**, ở bất kỳ kỳ nào.", icon=":material/inbox:")

matrix = common.completeness_matrix(province)
counts = views.state_counts(matrix, period)
expected = sum(counts.values())
if expected:
    for column, (state, n) in zip(st.columns(len(counts)), counts.items()):
        column.metric(f"{label}: {COMPLETENESS_LABELS_VI[state].lower()}", f"{n}/{expected}", border=True)
    chase = views.chase_rows(matrix, period)
    st.subheader(f"Cần đôn đốc — {label}")
    if chase:
        st.dataframe(chase, hide_index=True, width="stretch")
    else:
        st.success(f"Tất cả {expected} huyện đã nộp báo cáo {label} đúng hạn.", icon=":material/check_circle:")
else:
    st.info(f"Kỳ {label} chưa đến hạn nộp và chưa huyện nào nộp.", icon=":material/schedule:")

if received_any:
    common.plot(charts.completeness_matrix(views.short_period_labels(matrix)), key="completeness_matrix")
