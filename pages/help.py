"""Hướng dẫn: how to fill in a return, what each check means, whom to call, and (logged in) changing
one's own password. The content comes from plantrack/guide.py, made from the checks' own vocabulary."""

import streamlit as st

from pages import common
from plantrack import accounts, guide

st.header("Hướng dẫn")
plan = common.plan_for(common.selected_province(), common.selected_period())  # named as the period does

st.subheader("Điền và nộp báo cáo")
st.markdown(guide.filling_text(plan))

st.subheader("Các bước kiểm tra tệp báo cáo")
st.caption("Mỗi tệp được kiểm tra ngay khi tải lên. **Lỗi** thì tệp bị từ chối (không số liệu nào được lưu); "
           "**cảnh báo** thì báo cáo vẫn được nhận nhưng cần xem lại.")
st.table(guide.check_rows(), border="horizontal", hide_index=True)  # a static table: long sentences wrap

st.subheader("Liên hệ")
st.markdown(guide.contacts_text())

st.subheader("Đổi mật khẩu")
user = common.current_user()
if not user:
    st.info(f"Hãy **đăng nhập** {common.LOGIN_PLACE} để đổi mật khẩu của mình.", icon=":material/lock:")
    st.stop()
with st.form("change_password", clear_on_submit=True):
    st.markdown(f"Tài khoản **{user['username']}**")
    old = st.text_input("Mật khẩu hiện tại", type="password", autocomplete="current-password")
    new = st.text_input(f"Mật khẩu mới (ít nhất {accounts.MIN_PASSWORD_LENGTH} ký tự)", type="password",
                        autocomplete="new-password")
    again = st.text_input("Nhập lại mật khẩu mới", type="password", autocomplete="new-password")
    submitted = st.form_submit_button("Đổi mật khẩu", type="primary")
if submitted:
    if new != again:
        st.error("Hai lần nhập mật khẩu mới không giống nhau.")
    else:
        try:
            common.change_password(old, new)
        except accounts.AccountError as exc:
            st.error(str(exc))
        else:
            st.success("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này (máy khác, trình duyệt khác) "
                       "đã kết thúc; phiên này vẫn tiếp tục.", icon=":material/check_circle:")
