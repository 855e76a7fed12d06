"""plantrack — the dashboard's entry point: the router and the shared frame.

Every page sees the same sidebar: the province and period (kept in the query string, so a
view can be shared as a link: ``?province=93&period=2023``), the plan that governs the
province, and the login box. The pages themselves live in pages/.
"""

import time

import streamlit as st

from pages import common
from plantrack import accounts, views

st.set_page_config(page_title="plantrack — Theo dõi chỉ tiêu bảo vệ trẻ em", page_icon=":material/child_care:",
                   layout="wide")

PAGES = {
    "Theo dõi": [
        st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", url_path="tong-quan",
                default=True),
        st.Page("pages/trajectory.py", title="Tiến độ", icon=":material/trending_up:", url_path="tien-do"),
        st.Page("pages/districts.py", title="Huyện", icon=":material/grid_view:", url_path="huyen"),
        st.Page("pages/provinces.py", title="So sánh tỉnh", icon=":material/leaderboard:", url_path="so-sanh-tinh"),
        st.Page("pages/completeness.py", title="Tình hình nộp báo cáo", icon=":material/fact_check:",
                url_path="nop-bao-cao-cac-huyen"),
    ],
    "Báo cáo": [
        st.Page("pages/upload.py", title="Nộp báo cáo", icon=":material/upload_file:", url_path="nop-bao-cao"),
        st.Page("pages/history.py", title="Lịch sử", icon=":material/history:", url_path="lich-su"),
        st.Page("pages/export.py", title="Xuất báo cáo", icon=":material/download:", url_path="xuat-bao-cao"),
    ],
    "Kế hoạch": [
        st.Page("pages/indicators.py", title="Chỉ tiêu", icon=":material/list_alt:", url_path="chi-tieu"),
    ],
}
page = st.navigation(PAGES)
units, plans, store = common.units(), common.plans(), common.get_store()


@st.cache_resource(show_spinner=False)
def ensure_accounts(db_path: str) -> None:
    """A store without any account gets the demo accounts (accounts.DEMO_USERS), once per process."""
    if accounts.count_users(store) == 0:
        accounts.ensure_demo_users(store)


ensure_accounts(str(store.path))

# --- the selection: query string on a session's first run, session_state afterwards --------
if "_selection_ready" not in st.session_state:
    asked_province, asked_period = common.parse_selection(st.query_params.to_dict(), units, plans)
    province = asked_province or st.session_state.get(common.PROVINCE_KEY) or common.DEFAULT_PROVINCE
    st.session_state[common.PROVINCE_KEY] = province
    st.session_state[common.PERIOD_KEY] = (asked_period or st.session_state.get(common.PERIOD_KEY)
                                           or common.default_period(province))
    st.session_state["_selection_ready"] = True


def _copy(widget: str, key: str) -> None:
    st.session_state[key] = st.session_state[widget]


def log_in_from_form() -> None:
    """The login form's callback: runs before the script, so the page drawn next already knows the user.
    The password is dropped from the session as soon as it has been checked."""
    failures = st.session_state.get("_login_failures", 0)
    if failures >= 3:  # slow down guessing in this session
        time.sleep(min(2 ** (failures - 2), 8))
    user = common.log_in(st.session_state.get("login_username", ""), st.session_state.get("login_password", ""))
    st.session_state["login_password"] = ""
    st.session_state["_login_failures"] = 0 if user else failures + 1
    st.session_state["_login_failed"] = not user


with st.sidebar:
    st.caption("**plantrack** · Theo dõi Chương trình hành động phòng, chống bạo lực, xâm hại trẻ em 2020–2025")
    province = common.selected_province()
    st.session_state[common.PROVINCE_WIDGET] = province
    st.selectbox("Tỉnh, thành phố", common.province_options(), key=common.PROVINCE_WIDGET,
                 format_func=common.province_label, on_change=_copy,
                 args=(common.PROVINCE_WIDGET, common.PROVINCE_KEY))
    periods = common.period_options(province)
    if st.session_state.get(common.PERIOD_KEY) not in periods:
        st.session_state[common.PERIOD_KEY] = common.default_period(province)
    st.session_state[common.PERIOD_WIDGET] = st.session_state[common.PERIOD_KEY]
    st.selectbox("Kỳ báo cáo", periods, key=common.PERIOD_WIDGET,
                 format_func=lambda code: common.period_option_label(code, province), on_change=_copy,
                 args=(common.PERIOD_WIDGET, common.PERIOD_KEY))
    period = st.session_state[common.PERIOD_KEY]

    plan = plans.for_province(province)
    st.markdown("Kế hoạch áp dụng: " + views.plan_source_text(plan))
    note = "" if plan.provinces else " Tỉnh chưa có kế hoạch riêng trong hệ thống: theo dõi các chỉ tiêu quốc gia."
    st.caption(f"{plan.title}. Nguồn: `indicators/{plan.source_file}`.{note}")

    st.divider()
    user = common.current_user()
    if user:
        st.markdown(f"Đã đăng nhập: **{user['username']}**")
        st.caption(accounts.describe_user(user, units))
        st.button("Đăng xuất", on_click=common.log_out, icon=":material/logout:")
    else:
        with st.form("login", border=True):
            st.markdown("**Đăng nhập**")
            st.text_input("Tên đăng nhập", key="login_username", autocomplete="username")
            st.text_input("Mật khẩu", type="password", key="login_password", autocomplete="current-password")
            st.form_submit_button("Đăng nhập", type="primary", on_click=log_in_from_form)
        if st.session_state.pop("_login_failed", False):
            st.error("Sai tên đăng nhập hoặc mật khẩu.")
        st.caption("Xem số liệu không cần đăng nhập. Cần đăng nhập để nộp báo cáo và tải tệp gốc.")

# the query string mirrors the selection (page changes clear it; it is written back here)
if st.query_params.get(common.PROVINCE_KEY) != province or st.query_params.get(common.PERIOD_KEY) != period:
    st.query_params.update({common.PROVINCE_KEY: province, common.PERIOD_KEY: period})

page.run()
