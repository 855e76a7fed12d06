"""Logins that last and end everywhere (sessions.py), guessing slowed in the store (accounts.log_in),
password checks capped, and the HTTP routes that set and clear the HttpOnly cookie (web.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import pytest
from starlette.applications import Starlette

from plantrack import accounts, sessions, web
from plantrack.accounts import LOCK_AFTER, create_user, log_in
from plantrack.sessions import (
    COOKIE_NAME, end_session, issue_ticket, redeem_ticket, start_session, user_for_cookie,
)
from plantrack.store import Store


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANTRACK_DB", str(tmp_path / "s.duckdb"))
    s = Store(tmp_path / "s.duckdb")
    create_user(s, "huyen933", "dung-mat-khau", "district", district_code="933")
    return s


@pytest.fixture
def no_sleep(monkeypatch):
    waited = []
    monkeypatch.setattr(accounts, "_sleep", waited.append)
    return waited


# --- sessions ------------------------------------------------------------------------------------

def test_a_session_lasts_until_revoked_and_then_its_cookie_is_dead(store):
    cookie = start_session(store, "huyen933")
    assert user_for_cookie(store, cookie)["district_code"] == "933"
    assert user_for_cookie(Store(store.path), cookie)["username"] == "huyen933"  # a new process, a reload
    assert end_session(store, cookie) is True
    assert user_for_cookie(store, cookie) is None  # a copied cookie replayed after logout
    assert end_session(store, cookie) is False


def test_only_a_hash_of_the_token_is_stored(store):
    cookie = start_session(store, "huyen933")
    token = cookie.split(".")[0]
    dumped = " ".join(str(v) for row in store.rows("SELECT * FROM sessions") for v in row)
    assert token not in dumped


@pytest.mark.parametrize("tamper", [
    lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),  # signature changed
    lambda c: "A" + c[1:],  # token changed, old signature
    lambda c: c.split(".")[0],  # no signature
    lambda c: c + ".x",
    lambda c: "",
    lambda c: "ổ." + c.split(".")[1],
    lambda c: "x" * 5000,
])
def test_a_forged_or_mangled_cookie_is_refused(store, tamper):
    cookie = start_session(store, "huyen933")
    assert user_for_cookie(store, tamper(cookie)) is None


def test_a_cookie_signed_by_another_store_is_refused(store, tmp_path):
    other = Store(tmp_path / "other.duckdb")
    create_user(other, "huyen933", "dung-mat-khau", "district", district_code="933")
    assert user_for_cookie(store, start_session(other, "huyen933")) is None


def test_a_session_expires_after_its_hours(store, monkeypatch):
    monkeypatch.setenv("PLANTRACK_SESSION_HOURS", "2")
    assert sessions.session_hours() == 2
    cookie = start_session(store, "huyen933")
    ((expires, created),) = store.rows("SELECT expires_at, created_at FROM sessions")
    assert expires - created == dt.timedelta(hours=2)
    with store.transaction() as con:
        con.execute("UPDATE sessions SET expires_at = ?", [dt.datetime.now() - dt.timedelta(seconds=1)])
    assert user_for_cookie(store, cookie) is None
    monkeypatch.setenv("PLANTRACK_SESSION_HOURS", "nonsense")
    assert sessions.session_hours() == 8


def test_a_removed_account_has_no_session(store):
    cookie = start_session(store, "huyen933")
    accounts.remove_user(store, "huyen933")
    assert user_for_cookie(store, cookie) is None


def test_a_ticket_is_redeemed_once_for_the_cookie():
    ticket = issue_ticket("tok.sig", hours=1)
    assert sessions.ticket_pending(ticket)
    assert redeem_ticket(ticket) == ("tok.sig", 3600)
    assert redeem_ticket(ticket) is None
    assert redeem_ticket("guess") is None and redeem_ticket(None) is None


# --- the routes -----------------------------------------------------------------------------------

def _post(path: str, body: str = "", headers: dict | None = None) -> tuple[int, dict]:
    """One POST through the routes' ASGI app (no HTTP client needed): (status, headers)."""
    app = Starlette(routes=web.routes())
    raw = [(b"host", b"plantrack.test")] + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": raw, "scheme": "http", "server": ("plantrack.test", 80), "client": ("127.0.0.1", 1234),
             "http_version": "1.1", "root_path": ""}
    sent = []

    async def receive():
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}


def test_the_routes_set_an_httponly_cookie_and_clear_it_revoking_the_session(store):
    cookie = start_session(store, "huyen933")
    status, headers = _post("/api/session", issue_ticket(cookie))
    assert status == 204
    header = headers["set-cookie"]
    assert header.startswith(f"{COOKIE_NAME}={cookie};")
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Max-Age=28800" in header
    assert _post("/api/session", "not-a-ticket")[0] == 403
    status, headers = _post("/api/session", issue_ticket(cookie), {"Origin": "http://evil.test"})
    assert status == 403 and "set-cookie" not in headers

    status, headers = _post("/api/session/end", headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
    assert status == 204 and "Max-Age=0" in headers["set-cookie"]
    assert user_for_cookie(store, cookie) is None


# --- guessing -------------------------------------------------------------------------------------

def test_failed_logins_are_counted_in_the_store_and_lock_the_account(store, no_sleep):
    for n in range(LOCK_AFTER - 1):
        assert log_in(Store(store.path), "huyen933", f"sai-{n}", "10.0.0.1").message == "Sai tên đăng nhập hoặc mật khẩu."
    last = log_in(store, "huyen933", "sai-cuoi", "10.0.0.2")  # another address, the same account
    assert last.user is None and last.locked_minutes == 15
    assert "tạm khóa" in last.message and "15 phút" in last.message
    # locked: even the right password is refused, without being checked, from anywhere
    again = log_in(Store(store.path), "huyen933", "dung-mat-khau", "10.0.0.3")
    assert again.user is None and "tạm khóa" in again.message
    assert no_sleep[:LOCK_AFTER] == [0, 0, 1, 2, 4]  # growing delays before each check
    with store.transaction() as con:  # 15 minutes later
        con.execute("UPDATE login_failures SET locked_until = ?", [dt.datetime.now() - dt.timedelta(seconds=1)])
    assert log_in(store, "huyen933", "dung-mat-khau", "10.0.0.3").user["username"] == "huyen933"
    assert store.rows("SELECT count(*) FROM login_failures WHERE kind = 'user'") == [(0,)]


def test_one_address_guessing_many_names_is_locked(store, no_sleep, monkeypatch):
    monkeypatch.setattr(accounts, "ADDRESS_LOCK_AFTER", 6)
    for n in range(6):
        result = log_in(store, f"ten-doan-{n}", "mat-khau", "203.0.113.9")
    assert "tạm khóa" in result.message
    assert "tạm khóa" in log_in(store, "huyen933", "dung-mat-khau", "203.0.113.9").message
    assert log_in(store, "huyen933", "dung-mat-khau", "198.51.100.1").user is not None  # other offices are not


def test_unknown_names_lock_like_real_ones(store, no_sleep):
    results = [log_in(store, "khong-co-ai", "x", "10.0.0.1") for _ in range(LOCK_AFTER)]
    assert [r.locked_minutes for r in results] == [0] * (LOCK_AFTER - 1) + [15]


def test_password_checks_are_capped_at_two_at_once(store, no_sleep, monkeypatch):
    running, most, lock = [0], [0], threading.Lock()
    real = accounts._hasher

    class Slow:
        def verify(self, stored, password):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.3)
            with lock:
                running[0] -= 1
            return real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(accounts, "_hasher", Slow())
    monkeypatch.setattr(accounts, "CHECK_WAIT_SECONDS", 0.1)
    results = []
    threads = [threading.Thread(target=lambda n=n: results.append(log_in(store, "huyen933", "dung-mat-khau",
                                                                          f"10.1.0.{n}")))
               for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == accounts.CONCURRENT_CHECKS == 2
    busy = [r for r in results if r.user is None]
    assert busy and all("thử lại" in r.message for r in busy)
    assert store.rows("SELECT count(*) FROM login_failures") == [(0,)]  # being busy is not a failure


def test_a_megabyte_password_is_refused_without_being_hashed_and_counts_as_a_failure(store, no_sleep, monkeypatch):
    seen = []
    real = accounts._hasher

    class Spy:
        def verify(self, stored, password):
            seen.append(len(password))
            return real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(accounts, "_hasher", Spy())
    result = log_in(store, "huyen933", "x" * 1_000_000, "10.0.0.1")
    assert result.user is None and seen == [0]
    assert store.rows("SELECT failures FROM login_failures WHERE kind = 'user'") == [(1,)]
    with pytest.raises(accounts.AccountError, match="không quá 1024"):
        accounts.set_password(store, "huyen933", "y" * 1025)
