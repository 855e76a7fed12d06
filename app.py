"""plantrack — the dashboard's entry point: the router and the shared frame.

Every page sees the same sidebar: the province and period (kept in the query string, so a
view can be shared as a link: ``?province=92&period=2025`` for today's Cần Thơ, ``?province=93``
for former Hậu Giang), the plan that governs the province (a merged province: its
predecessors' plans), and the login box. The pages themselves live in pages/.
"""

import time

import streamlit as st

from pages import common
from plantrack import accounts, stylesheet, views
from plantrack.store import StoreBusy, StoreFault

st.set_page_config(page_title="plantrack — Theo dõi chỉ tiêu bảo vệ trẻ em", page_icon=":material/child_care:",
                   layout="wide")
st.html(stylesheet.STYLESHEET)  # Vietnamese where Streamlit writes English; printing prints the page only

HOME = "tong-quan"  # the overview's path (st.Page.url_path reads "" for the default page)
MY_UNIT_PATH = "don-vi-cua-toi"
HOME_COPY_PATH = "trang-chu"  # see _asked_path below
# an officer (district or commune) lands on their own unit; everyone else on the overview. The user
# is known before the pages are: a fresh tab has only the login cookie, restored here.
try:
    _user = common.restore_login()
except StoreFault:  # the frame below says so; the pages are chosen from what the tab knew
    _user = st.session_state.get(common.USER_KEY)
OFFICER = bool(_user and _user.get("role") == "district")
# The default page is served at the root and Streamlit does not know it by its own path: an address
# typed by hand (/tong-quan, or /don-vi-cua-toi for an officer) would get its English "Page not found".
# For such an address the page is not the default on this run, and a hidden copy of it holds the root.
_asked_path = common.unknown_page_path(st.context.url, [], st.get_option("server.baseUrlPath"))
_DEFAULT_PATH = MY_UNIT_PATH if OFFICER else HOME
_BY_OWN_PATH = _asked_path == _DEFAULT_PATH
MY_UNIT = st.Page("pages/my_unit.py", title="Đơn vị của tôi", icon=":material/badge:", url_path=MY_UNIT_PATH,
                  default=OFFICER and not _BY_OWN_PATH)
DISTRICTS = st.Page("pages/districts.py", title="Huyện, xã", icon=":material/grid_view:", url_path="huyen")
PAGES = {
    "Theo dõi": [
        st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", url_path=HOME,
                default=not OFFICER and not _BY_OWN_PATH),
        st.Page("pages/trajectory.py", title="Tiến độ", icon=":material/trending_up:", url_path="tien-do"),
        DISTRICTS,
        st.Page("pages/provinces.py", title="So sánh tỉnh", icon=":material/leaderboard:", url_path="so-sanh-tinh"),
        st.Page("pages/completeness.py", title="Tình hình nộp báo cáo", icon=":material/fact_check:",
                url_path="nop-bao-cao-cac-huyen"),
    ],
    "Báo cáo": [
        *([] if OFFICER else [MY_UNIT]),
        st.Page("pages/upload.py", title="Nộp báo cáo", icon=":material/upload_file:", url_path="nop-bao-cao"),
        st.Page("pages/history.py", title="Lịch sử", icon=":material/history:", url_path="lich-su"),
        st.Page("pages/export.py", title="Xuất báo cáo", icon=":material/download:", url_path="xuat-bao-cao"),
    ],
    "Kế hoạch": [
        st.Page("pages/indicators.py", title="Chỉ tiêu", icon=":material/list_alt:", url_path="chi-tieu"),
        st.Page("pages/help.py", title="Hướng dẫn", icon=":material/help:", url_path="huong-dan"),
    ],
}
if OFFICER:
    PAGES = {"Đơn vị của tôi": [MY_UNIT], **PAGES}
STAY_AFTER_LOGIN = {MY_UNIT.title, *(p.title for p in PAGES["Báo cáo"])}  # titles: a default page's path reads ""
# An address with no page gets a hidden page of its own that says so in Vietnamese (Streamlit would
# show its English "Page not found"); the sidebar draws the links itself so that they carry the
# province and period (st.navigation's own links drop the query string).
_missing = common.unknown_page_path(st.context.url,
                                    [HOME, MY_UNIT_PATH] + [p.url_path for ps in PAGES.values() for p in ps],
                                    st.get_option("server.baseUrlPath"))
_hidden = [st.Page("pages/not_found.py", title="Không có trang này", url_path=_missing,
                   visibility="hidden")] if _missing else []
if _BY_OWN_PATH:
    _hidden.append(st.Page("pages/my_unit.py", title=MY_UNIT.title, url_path=HOME_COPY_PATH, default=True,
                           visibility="hidden") if OFFICER else
                   st.Page("pages/overview.py", title="Tổng quan", url_path=HOME_COPY_PATH, default=True,
                           visibility="hidden"))
page = st.navigation({**PAGES, "": _hidden} if _hidden else PAGES, position="hidden")
units, plans, store = common.units(), common.plans(), common.get_store()
common.clear_caches_if_changed()  # figures cached before a load made elsewhere (the command line) are dropped
RETRIES_KEY = "_store_retries"
JUST_LOGGED_IN = "_just_logged_in"  # the login form's callback ran: an officer goes to their unit
AUTO_RETRIES = 5

# --- the selection: query string on a session's first run, session_state afterwards --------
def choose_selection() -> None:
    if "_selection_ready" not in st.session_state:
        asked_province, asked_period = common.parse_selection(st.query_params.to_dict(), units, plans)
        ref = (units.province_ref(asked_province) if asked_province is not None
               else st.session_state.get(common.PROVINCE_KEY) or common.default_province())
        st.session_state[common.PROVINCE_KEY] = ref
        st.session_state[common.PERIOD_KEY] = (asked_period or st.session_state.get(common.PERIOD_KEY)
                                               or common.default_period(ref))
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
    if result.user:
        st.session_state[JUST_LOGGED_IN] = True


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
    user = common.current_user()  # restored from the session or cookie at the top of the script
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
                "Tài khoản cấp tỉnh: `--role province --province \"Cần Thơ\"`; cấp xã: "
                "`--role district --province \"Cần Thơ\" --unit \"Phường Vị Thanh\"`; tỉnh, huyện cũ: "
                "`--province 93 --unit 933`.", icon=":material/person_add:")
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


def draw_navigation() -> None:
    """The sidebar's links to every page, each carrying the selection in its query string."""
    params = common.link_params()
    province = common.selected_province()
    # the units page is named after who reports in the chosen period: communes from 1/7/2025
    units_label = "Xã, phường" if common.period_map(province, common.selected_period()) == "2025" else "Huyện"
    for section, pages in PAGES.items():
        st.caption(f"**{section}**")
        for p in pages:
            st.page_link(p, query_params=params, width="stretch", label=units_label if p is DISTRICTS else None)


def draw_frame() -> None:
    with st.sidebar:
        navigation = st.container(key="navigation")  # filled once the selection below is known
        st.caption("**plantrack** · Theo dõi Chương trình hành động phòng, chống bạo lực, xâm hại trẻ em 2020–2025")
        province = common.selected_province()  # a Unit: today's province or a former one
        ref = units.province_ref(province)
        st.session_state[common.PROVINCE_WIDGET] = ref
        st.selectbox("Tỉnh, thành phố", common.province_options(), key=common.PROVINCE_WIDGET,
                     format_func=common.province_label, on_change=_copy,
                     args=(common.PROVINCE_WIDGET, common.PROVINCE_KEY),
                     help="34 tỉnh, thành phố hiện nay trước; các tỉnh trước 1/7/2025 ghi “(cũ)”.")
        periods = common.period_options(province)
        if st.session_state.get(common.PERIOD_KEY) not in periods:
            st.session_state[common.PERIOD_KEY] = common.default_period(province)
        st.session_state[common.PERIOD_WIDGET] = st.session_state[common.PERIOD_KEY]
        st.selectbox("Kỳ báo cáo", periods, key=common.PERIOD_WIDGET,
                     format_func=lambda code: common.period_option_label(code, province), on_change=_copy,
                     args=(common.PERIOD_WIDGET, common.PERIOD_KEY))
        period = st.session_state[common.PERIOD_KEY]

        plan = common.plan_for(province)
        merged = views.merger_text(province, units)
        if merged:
            st.markdown(f"**{merged}**")
            st.markdown("Kế hoạch của các tỉnh trước đây:\n" + "\n".join(
                f"- {line}" for line in views.predecessor_plan_lines(plan, province, units)))
        else:
            former = views.former_text(province, units)
            if former:
                st.caption(former)
            st.markdown("Kế hoạch áp dụng: " + views.plan_source_text(plan))
            note = "" if plan.provinces else " Tỉnh chưa có kế hoạch riêng trong hệ thống: theo dõi các chỉ tiêu quốc gia."
            st.caption(f"{plan.title}. Nguồn: `indicators/{plan.source_file}`.{note}")
        st.caption(views.office_text(province))

        st.divider()
        draw_login_box()
        with navigation:
            draw_navigation()

    # the query string mirrors the selection (page changes clear it; it is written back here)
    if st.query_params.get(common.PROVINCE_KEY) != ref or st.query_params.get(common.PERIOD_KEY) != period:
        st.query_params.update({common.PROVINCE_KEY: ref, common.PERIOD_KEY: period})

    # an officer who logs in on a dashboard lands on their unit; one who came to upload, or to read
    # the history or exports, stays where they were going
    user = common.current_user()
    if (st.session_state.pop(JUST_LOGGED_IN, False) and user and user.get("role") == "district"
            and page.title not in STAY_AFTER_LOGIN):
        st.switch_page(MY_UNIT)
    page.run()


try:
    with common.get_store().session():  # one opening of the store for the page's every call (issue 11)
        choose_selection()
        draw_frame()
    st.session_state.pop(RETRIES_KEY, None)
except StoreFault as exc:
    show_store_fault(exc)
