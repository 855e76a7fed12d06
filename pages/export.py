"""Xuất báo cáo: the province's consolidated report (.xlsx) and its charts as PNG images.

A province of today exports its figures across the reform (its predecessors' districts before
1/7/2025, its communes after); a former province its own, up to the reform.

PNGs are drawn by kaleido with the system's chromium only when asked for (a few seconds
each), and kept for the session until the figure changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import streamlit as st

from pages import common
from plantrack import charts, views
from plantrack.export import export_report

PNGS = "export_pngs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
if Path("/usr/bin/chromium").exists():  # kaleido draws with the Debian chromium, never a downloaded one
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")

units = common.units()
province, period = common.selected_province(), common.selected_period()
province_name = views.province_name(province, units)
ref = units.province_ref(province)

st.header(f"Xuất báo cáo — {province_name}")
if not common.require_data(province, period):
    st.stop()
st.caption(f"Kỳ báo cáo: **{common.period_label(period)}** (đổi tỉnh và kỳ {common.SIDEBAR_PLACE}).")
merged = views.merger_text(province, units)
if merged:
    st.caption(f"{merged}: các kỳ đến 30/6/2025 tổng hợp từ các huyện của các tỉnh trước đây, các kỳ sau từ các "
               "xã, phường.")


@st.cache_data(show_spinner="Đang lập báo cáo tổng hợp…")
def report_xlsx(province_ref: str, period_code: str) -> bytes:
    return export_report(common.get_store(), province_ref, period_code)


st.subheader("Báo cáo tổng hợp (Excel)")
st.caption(f"{province_name}, {common.period_label(period)}: trang tổng hợp của tỉnh so với chỉ tiêu, và một trang cho mỗi kỳ "
           "với số liệu từng huyện (từng xã, phường từ 1/7/2025). Sẵn sàng để in (khổ ngang) và gửi lên cấp trên.")
slug = f"{province.code}-cu" if province.map == "pre2025" else province.code
st.download_button("Tải báo cáo tổng hợp (.xlsx)", report_xlsx(ref, period), mime=XLSX,
                   file_name=f"bao-cao-tong-hop-{slug}-{period}.xlsx", type="primary",
                   icon=":material/download:", on_click="ignore", key="export_xlsx")

st.subheader("Biểu đồ (ảnh PNG)")
st.caption("Bấm **Tạo ảnh PNG** rồi **Tải ảnh PNG**; mỗi ảnh mất vài giây để tạo.")
report = common.report(province, period)
builders = {
    "tien-do": ("Tiến độ các chỉ tiêu so với mục tiêu", lambda: charts.progress_bars(report)),
    "theo-don-vi": (f"Tình trạng các chỉ tiêu theo {charts.unit_word(report.get('unit_level'))} (30 đơn vị chậm nhất)",
                    lambda: charts.district_heatmap(report, order=views.heatmap_view(report, units)["all"][:30],
                                                    labels=views.heatmap_view(report, units)["labels"])),
    "nop-bao-cao": (f"Tình hình nộp báo cáo của các {charts.unit_word(report.get('unit_level'))}",
                    lambda: charts.completeness_matrix(views.short_period_labels(views.completeness_view(
                        common.completeness_matrix(province), report.get("map") or province.map)["rows"]))),
}
st.session_state.setdefault(PNGS, {})
for name, (title, build) in builders.items():
    with st.container(border=True):
        st.markdown(f"**{title}**")
        try:
            fig = build()
        except Exception as exc:  # one chart failing must not take the report download with it
            st.warning(f"Chưa vẽ được biểu đồ này cho {common.period_label(period)} ({type(exc).__name__}: {exc}).",
                       icon=":material/warning:")
            continue
        key = (name, ref, period, hashlib.sha256(fig.to_json().encode()).hexdigest())
        with st.expander("Xem biểu đồ"):
            common.plot(fig, key=f"export-fig-{name}")
        slot = st.empty()
        if key not in st.session_state[PNGS] and slot.button("Tạo ảnh PNG", key=f"export-make-{name}",
                                                             icon=":material/image:"):
            slot.empty()  # the download button takes its place
            with st.spinner("Đang tạo ảnh PNG…"):
                try:
                    st.session_state[PNGS][key] = fig.to_image(format="png", width=1400, scale=2,
                                                               height=fig.layout.height or 600)
                except Exception as exc:  # kaleido needs chromium; say so instead of failing the page
                    st.error(f"Không tạo được ảnh PNG ({type(exc).__name__}: {exc}). Máy chủ cần trình duyệt "
                             "Chromium (gói chromium) để vẽ ảnh; biểu đồ vẫn xem được ở trên.")
        if key in st.session_state[PNGS]:
            st.download_button("Tải ảnh PNG", st.session_state[PNGS][key], mime="image/png",
                               file_name=f"{name}-{slug}-{period}.png", key=f"export-png-{name}",
                               icon=":material/download:", on_click="ignore")
