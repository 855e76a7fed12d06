"""plantrack — the dashboard's entry point: router and shared frame (filled in by the dashboard issue)."""

import streamlit as st

st.set_page_config(page_title="plantrack — Theo dõi chỉ tiêu bảo vệ trẻ em", layout="wide")
st.title("plantrack")
st.write("Bảng theo dõi chỉ tiêu phòng, chống bạo lực, xâm hại trẻ em (Quyết định 1863/QĐ-TTg). Đang xây dựng.")
