"""plantrack — the dashboard's entry point: the router and the shared frame.

Every page sees the same sidebar: the province and period (kept in the query string, so a
view can be shared as a link: ``?province=93&period=2023``), the plan that governs the
province, and the login box. The pages themselves live in pages/.
"""

import time

import streamlit as st

from pages import common
from plantrack import accounts, views
from plantrack.store import StoreBusy, StoreFault

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
RETRIES_KEY = "_store_retries"
AUTO_RETRIES = 5

# --- the selection: query string on a session's first run, session_state afterwards --------
def choose_selection() -> None:
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
    The password is dropped from the session as soon as it has been checked. Failed logins are
    counted in the store (accounts.log_in), so a reload does not reset them."""
    password = st.session_state.get("login_password", "")
    st.session_state["login_password"] = ""
    try:
        result = common.log_in(st.session_state.get("login_username", ""), password)
    except StoreFault:
        st.session_state["_login_failed"] = ("Hệ thống đang bận hoặc gặp lỗi nên chưa kiểm tra được đăng nhập; "
                                             "hãy thử lại sau ít phút.")
        return
    st.session_state["_login_failed"] = result.message if not result.user else ""


def show_store_fault(exc: StoreFault) -> None:
    """A Vietnamese message instead of a stack trace; a busy store is retried by itself a few times."""
    retries = st.session_state.get(RETRIES_KEY, 0)
    if isinstance(exc, StoreBusy):
        st.warning("Cơ sở dữ liệu đang bận (đang nạp hoặc sao lưu báo cáo). Trang sẽ tự tải lại sau ít giây.",
                   icon=":material/hourglass_top:")
    else:
        st.error("Lỗi hệ thống: máy chủ không đọc hoặc ghi được cơ sở dữ liệu (ổ đĩa đầy, chỉ đọc hoặc hỏng). "
                 "Đây là lỗi của máy chủ, không phải của người dùng; hãy báo quản trị hệ thống.",
                 icon=":material/error:")
    if isinstance(exc, StoreBusy) and retries < AUTO_RETRIES:
        st.session_state[RETRIES_KEY] = retries + 1
        time.sleep(3)
        st.rerun()
    st.button("Thử lại", icon=":material/refresh:", on_click=lambda: st.session_state.pop(RETRIES_KEY, None))


def draw_login_box() -> None:
    user = common.restore_login()
    script = common.cookie_script()
    if script:
        st.html(script, unsafe_allow_javascript=True, width="content")
    if user:
        st.markdown(f"Đã đăng nhập: **{user['username']}**")
        st.caption(accounts.describe_user(user, units))
        st.button("Đăng xuất", on_click=common.log_out, icon=":material/logout:")
        return
    if accounts.count_users(store) == 0:
        st.info("**Chưa có tài khoản nào.** Người quản trị máy chủ tạo tài khoản đầu tiên bằng dòng lệnh, "
                "mật khẩu nhập ở dòng tiếp theo (không ghi trên dòng lệnh):\n\n"
                "`plantrack user add TEN_DANG_NHAP --role admin`\n\n"
                "Tài khoản cấp tỉnh: `--role province --province 93`; cấp huyện: "
                "`--role district --province 93 --district 933`.", icon=":material/person_add:")
        return
    with st.form("login", border=True):
        st.markdown("**Đăng nhập**")
        st.text_input("Tên đăng nhập", key="login_username", autocomplete="username")
        st.text_input("Mật khẩu", type="password", key="login_password", autocomplete="current-password")
        st.form_submit_button("Đăng nhập", type="primary", on_click=log_in_from_form)
    failed = st.session_state.pop("_login_failed", "")
    if failed:
        st.error(failed)
    st.caption("Xem số liệu không cần đăng nhập. Cần đăng nhập để nộp báo cáo và tải tệp gốc.")


def draw_frame() -> None:
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
        draw_login_box()

    # the query string mirrors the selection (page changes clear it; it is written back here)
    if st.query_params.get(common.PROVINCE_KEY) != province or st.query_params.get(common.PERIOD_KEY) != period:
        st.query_params.update({common.PROVINCE_KEY: province, common.PERIOD_KEY: period})

    page.run()


try:
    with common.get_store().session():  # one opening of the store for the page's every call (issue 11)
        choose_selection()
        draw_frame()
    st.session_state.pop(RETRIES_KEY, None)
except StoreFault as exc:
    show_store_fault(exc)
