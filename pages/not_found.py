"""An address with no page (a mistyped or outdated link): say so in Vietnamese and offer the pages.

app.py routes every unknown path here (a hidden page), in place of Streamlit's English
"Page not found"; the sidebar keeps the province and period of the link."""

import streamlit as st

from pages import common
from plantrack.plain import markdown_text

st.header("Không có trang này")
asked = common.unknown_page_path(st.context.url, []) or ""
st.warning(f"Địa chỉ **/{markdown_text(asked)}** không phải là một trang của hệ thống (có thể liên kết đã cũ "
           f"hoặc gõ nhầm). Hãy chọn một trang {common.SIDEBAR_PLACE}, hoặc về trang Tổng quan.",
           icon=":material/link_off:")
st.page_link("pages/overview.py", label="Về trang Tổng quan", icon=":material/dashboard:",
             query_params=common.link_params())
