"""Xuất báo cáo: the province's consolidated report (.xlsx) and its charts as PNG images.

PNGs are drawn by kaleido with the system's chromium only when asked for (a few seconds
each), and kept for the session until the figure changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import streamlit as st

from pages import common
from plantrack import charts
from plantrack.export import export_report

PNGS = "export_pngs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
if Path("/usr/bin/chromium").exists():  # kaleido draws with the Debian chromium, never a downloaded one
    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")

units = common.units()
province, period = common.selected_province(), common.selected_period()
province_name = units.provinces[province].full_name

st.header(f"Xuất báo cáo — {province_name}")
if not common.require_data(province, period):
    st.stop()
st.caption(f"Kỳ báo cáo: **{common.period_label(period)}** (đổi tỉnh và kỳ ở thanh bên trái).")


@st.cache_data(show_spinner="Đang lập báo cáo tổng hợp…")
def report_xlsx(province_code: str, period_code: str) -> bytes:
    return export_report(common.get_store(), province_code, period_code)


st.subheader("Báo cáo tổng hợp (Excel)")
st.caption(f"{province_name}, {common.period_label(period)}: trang tổng hợp của tỉnh so với chỉ tiêu, và một trang cho mỗi kỳ "
           "với số liệu từng huyện. Sẵn sàng để in (khổ ngang) và gửi lên cấp trên.")
st.download_button("Tải báo cáo tổng hợp (.xlsx)", report_xlsx(province, period), mime=XLSX,
                   file_name=f"bao-cao-tong-hop-{province}-{period}.xlsx", type="primary",
                   icon=":material/download:", on_click="ignore", key="export_xlsx")

st.subheader("Biểu đồ (ảnh PNG)")
st.caption("Bấm **Tạo ảnh PNG** rồi **Tải ảnh PNG**; mỗi ảnh mất vài giây để tạo.")
report = common.report(province, period)
builders = {
    "tien-do": ("Tiến độ các chỉ tiêu so với mục tiêu", lambda: charts.progress_bars(report)),
    "theo-huyen": ("Tình trạng các chỉ tiêu theo huyện", lambda: charts.district_heatmap(report)),
    "nop-bao-cao": ("Tình hình nộp báo cáo của các huyện",
                    lambda: charts.completeness_matrix(common.completeness_matrix(province))),
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
        key = (name, province, period, hashlib.sha256(fig.to_json().encode()).hexdigest())
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
                               file_name=f"{name}-{province}-{period}.png", key=f"export-png-{name}",
                               icon=":material/download:", on_click="ignore")
