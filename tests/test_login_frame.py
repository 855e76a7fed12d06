"""The login frame of app.py: no demo accounts outside the demo, the first account explained,
a login that survives a new run of the script, a logout that leaves nothing of the user's work,
and log-in names hidden from visitors."""

from __future__ import annotations

from pages import common
from plantrack import sessions
from plantrack.accounts import count_users
from plantrack.store import Store
from tests.test_pages import app, empty, small, small_db, texts  # noqa: F401  (fixtures)


def _log_in(at, username: str, password: str):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return next(b for b in at.button if b.label == "Đăng nhập").click().run()


def test_a_store_without_accounts_gets_none_and_explains_how_to_make_the_first(empty):
    at = app()
    assert not at.exception
    assert count_users(Store(empty)) == 0  # no demo accounts with published passwords
    assert "plantrack user add" in texts(at) and "Chưa có tài khoản nào" in texts(at)
    assert not [t for t in at.text_input if t.key == "login_password"]


def test_a_login_is_a_session_in_the_store_that_a_new_run_restores(small):
    at = _log_in(app(), "huyen933", "huyen933-demo")
    cookie = at.session_state[common.SESSION_KEY]
    assert sessions.user_for_cookie(Store(small), cookie)["username"] == "huyen933"
    assert at.session_state[common.COOKIE_TICKET_KEY]  # the page is handed a ticket for the HttpOnly cookie
    assert cookie not in "".join(str(h.proto.body) for h in at.get("html"))  # never the cookie itself

    at2 = app()  # a tab that knows only the session (what the cookie brings to a new websocket)
    at2.session_state[common.SESSION_KEY] = cookie
    at2.run()
    assert at2.session_state[common.USER_KEY]["username"] == "huyen933"
    assert "Đã đăng nhập: **huyen933**" in [str(m.value) for m in at2.sidebar.markdown]


def test_logging_out_ends_the_session_everywhere_and_forgets_the_users_work(small):
    at = _log_in(app(), "huyen933", "huyen933-demo")
    cookie = at.session_state[common.SESSION_KEY]
    other = app()
    other.session_state[common.SESSION_KEY] = cookie
    other.run()
    at.session_state["upload_outcomes"] = {"f1": "an outcome"}
    at.session_state["upload_annotated"] = {"f1": b"marked"}
    at.session_state["upload_checked"] = {"f1": "checked"}
    next(b for b in at.button if b.label == "Đăng xuất").click().run()
    assert at.session_state[common.USER_KEY] is None
    for key in ("upload_outcomes", "upload_annotated", "upload_checked", common.SESSION_KEY):
        assert key not in at.session_state, key
    assert sessions.user_for_cookie(Store(small), cookie) is None
    assert any("/api/session/end" in str(h.proto.body) for h in at.get("html"))  # the cookie is cleared too
    other.session_state["upload_outcomes"] = {"f2": "another tab's outcome"}
    other.run()  # the other tab, on its next run
    assert not other.session_state[common.USER_KEY]
    assert "upload_outcomes" not in other.session_state


def test_failed_logins_say_how_long_the_lock_lasts(small, monkeypatch):
    from plantrack import accounts

    monkeypatch.setattr(accounts, "_sleep", lambda s: None)
    at = app()
    for n in range(accounts.LOCK_AFTER):
        at = _log_in(at, "huyen933", f"sai-{n}")
    assert "tạm khóa, hãy thử lại sau 15 phút" in texts(at)
    at = _log_in(app(), "huyen933", "huyen933-demo")  # a reload does not reset the count
    assert not at.session_state[common.USER_KEY]
    assert "tạm khóa" in texts(at)


def test_visitors_do_not_see_who_sent_the_files(small):
    at = app()
    at.switch_page("pages/history.py").run()
    assert not at.exception
    assert "Người gửi" not in at.dataframe[0].value.columns
    assert "huyen931" not in texts(at)
    at = _log_in(app(), "tinh93", "tinh93-demo")
    at.switch_page("pages/history.py").run()
    assert "huyen931" in set(at.dataframe[0].value["Người gửi"])


def test_a_busy_store_shows_a_vietnamese_message_not_a_stack_trace(small, monkeypatch):
    from plantrack.store import StoreBusy

    def busy(self):
        raise StoreBusy(f"Cơ sở dữ liệu {self.path} đang được một tiến trình khác sử dụng quá 1 giây.")

    at = app()
    at.session_state["_store_retries"] = 5  # the automatic retries are spent: the message stays
    monkeypatch.setattr(Store, "_open", busy)
    at.run()
    assert not at.exception
    assert any("Cơ sở dữ liệu đang bận" in w.value for w in at.warning)
    assert str(small) not in texts(at)  # no path
    assert [b.label for b in at.button if b.label == "Thử lại"]
