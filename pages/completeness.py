"""Tình hình nộp báo cáo: which district (before 1/7/2025) or commune (after) sent which report,
on time or not, and whom to chase for the chosen period. A province's 100+ communes are summarised
by former district and listed furthest behind first, searchable and paged."""

import datetime as dt

import streamlit as st

from pages import common
from plantrack import charts, views
from plantrack.charts import COMPLETENESS_LABELS_VI
from plantrack.chase import chase_rows

units = common.units()
province, period = common.selected_province(), common.selected_period()
name = views.province_name(province, units)
label = common.period_label(period)
period_map = common.period_map(province, period)
commune = period_map == "2025"
word = "xã, phường" if commune else "huyện"

st.header(f"Tình hình nộp báo cáo — {name}")
received_any = bool(common.periods_with_data(province))
if not received_any:
    st.info(f"**{name} chưa nhận báo cáo nào của các {'huyện, xã, phường' if province.map == '2025' else 'huyện'}**, "
            "ở bất kỳ kỳ nào.", icon=":material/inbox:")

matrix = common.completeness_matrix(province)
counts = views.state_counts(matrix, period)
expected = sum(counts.values())
search = st.text_input(f"Tìm {word}" + (" hoặc huyện cũ" if commune else ""), key="completeness_search",
                       placeholder="Gõ một phần tên, có dấu hoặc không")
if expected:
    st.caption(f"{label}: {expected} {word} phải nộp báo cáo cho "
               f"{views.receiving_office(province, period_map)}.")
    with st.container(key="pairs_completeness_counts"):  # two a row on a phone (stylesheet.py)
        for column, (state, n) in zip(st.columns(len(counts)), counts.items()):
            # the state alone: the caption above names the period, and a phone's half-width box holds no more
            column.metric(COMPLETENESS_LABELS_VI[state], f"{n}/{expected}", border=True)
    if commune:
        common.plot(charts.completeness_groups(views.completeness_by_group(matrix, period),
                                               f"Tình hình nộp báo cáo {label} theo huyện cũ"),
                    key="completeness_groups")
    today = dt.date.today()
    chase = views.search_chase(common.chase_list(province, period, today), search)
    st.subheader(f"Cần đôn đốc — {label}")
    if chase:
        st.caption(f"{len(chase)} {word}" + (f" khớp “{search}”" if search else "")
                   + ": chưa nộp trước, rồi bị từ chối, rồi trễ hạn; trong mỗi nhóm, quá hạn lâu nhất trước. "
                   "Lần gửi gần nhất, lỗi đầu tiên của tệp bị từ chối và tài khoản của đơn vị để liên hệ.")
        st.dataframe(chase_rows(chase), hide_index=True, width="stretch")
        title = f"Cần đôn đốc — {name} — {label}" + (f" (khớp “{search}”)" if search else "")
        st.download_button("Tải danh sách cần đôn đốc (Excel)",
                           common.chase_workbook(common.ref_of(province), period, today, search, title),
                           file_name=f"can-don-doc-{province.code}{'-cu' if province.map == 'pre2025' else ''}"
                                     f"-{period}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:", on_click="ignore", key="completeness_chase_xlsx")
    elif search:
        st.info(f"Không có {word} nào khớp “{search}” cần đôn đốc.")
    else:
        st.success(f"Tất cả {expected} {word} đã nộp báo cáo {label} đúng hạn.", icon=":material/check_circle:")
else:
    st.info(f"Kỳ {label} chưa đến hạn nộp và chưa {word} nào nộp.", icon=":material/schedule:")

# after the reform a province's 100+ communes have one period so far: the chart by former district
# and the table above say it all, a one-column matrix would only repeat them
many_periods = len({r["period"] for r in matrix if views.row_map(r) == period_map}) > 1
if received_any and (many_periods or not commune):
    view = views.completeness_view(matrix, period_map, search)
    if view["pages"] > 1:
        page = st.number_input(f"Trang (1–{view['pages']})", 1, view["pages"], 1, key="completeness_page") - 1
        view = views.completeness_view(matrix, period_map, search, page=page)
    if view["rows"]:
        st.caption(f"Bảng các kỳ {'từ' if commune else 'đến'} "
                   f"{'1/7/2025' if commune else '30/6/2025'}: {view['matched']}/{view['total']} {word}"
                   + (f", trang {view['page'] + 1}/{view['pages']}" if view["pages"] > 1 else "")
                   + f"; {word} thiếu nhiều báo cáo nhất (chưa nộp hoặc bị từ chối) ở trên cùng, rồi {word} "
                   "nộp trễ nhiều kỳ nhất"
                   + (f" (mỗi {word} ghi " + ("huyện cũ" if commune else "tỉnh cũ") + " của nó)"
                      if view["several_groups"] else "") + ".")
        rows = views.short_period_labels(view["rows"])
        with st.container(key="wide_only_completeness_matrix"):  # a phone gets the list below (stylesheet.py)
            common.plot(charts.completeness_matrix(rows), key="completeness_matrix")
        with st.container(key="narrow_only_completeness_matrix"):
            st.caption(f"Thiếu: số kỳ chưa nộp hoặc bị từ chối; Trễ: số kỳ nộp trễ hạn. Kỳ mới nhất trước; "
                       "bấm tên cột để xếp lại.")
            st.dataframe(views.completeness_list_rows(rows), hide_index=True, width="stretch",
                         column_config={word.capitalize(): st.column_config.Column(pinned=True, width="medium")})
