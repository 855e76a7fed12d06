"""Logins that last: a session in the store, known to the browser by a signed, HttpOnly cookie.

A login creates a session row (the SHA-256 of a random token, the account, when it expires:
``PLANTRACK_SESSION_HOURS``, default 8). The browser keeps ``token.signature`` in the cookie
``COOKIE_NAME``; the signature is an HMAC with a key the store makes on first use, so a
cookie that was not made here is refused without looking further. Logging out revokes the
row, so the same cookie (copied, or still in another tab) is dead everywhere at once.

Streamlit's script runs over a websocket and cannot set a cookie; the HTTP routes in
``plantrack.web`` do. The script hands the new cookie to them through a one-time ticket
(``issue_ticket``) that the page redeems with one ``fetch`` within ``TICKET_SECONDS``; the
cookie's value itself never reaches the page's JavaScript.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
import time

from plantrack.store import Store

COOKIE_NAME = "plantrack_session"
DEFAULT_SESSION_HOURS = 8.0
TICKET_SECONDS = 120
_KEY_NAME = "cookie-signing-key"


def session_hours() -> float:
    """How long a login lasts: ``PLANTRACK_SESSION_HOURS`` (a positive number), else 8."""
    try:
        hours = float(os.environ.get("PLANTRACK_SESSION_HOURS") or DEFAULT_SESSION_HOURS)
    except ValueError:
        return DEFAULT_SESSION_HOURS
    return hours if hours > 0 else DEFAULT_SESSION_HOURS


def signing_key(store: Store) -> bytes:
    """The store's cookie signing key, made (256 random bits) the first time it is asked for."""
    rows = store.rows("SELECT value FROM app_secrets WHERE name = ?", [_KEY_NAME])
    if not rows:
        with store.transaction() as con:
            con.execute("INSERT INTO app_secrets VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        [_KEY_NAME, secrets.token_hex(32), dt.datetime.now()])
        rows = store.rows("SELECT value FROM app_secrets WHERE name = ?", [_KEY_NAME])
    return bytes.fromhex(rows[0][0])


def _sign(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("ascii"), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _token_of(store: Store, cookie: str | None) -> str | None:
    """The token of a well-formed cookie whose signature is this store's, else None."""
    if not cookie or not isinstance(cookie, str) or len(cookie) > 200 or cookie.count(".") != 1:
        return None
    token, signature = cookie.split(".")
    if not token.isascii() or not signature.isascii():
        return None
    if not hmac.compare_digest(_sign(signing_key(store), token), signature):
        return None
    return token


def start_session(store: Store, username: str, hours: float | None = None) -> str:
    """A new session for the account; returns the cookie value (``token.signature``)."""
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now()
    expires = now + dt.timedelta(hours=hours if hours is not None else session_hours())
    with store.transaction() as con:
        con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)", [_token_hash(token), username, now, expires])
    return f"{token}.{_sign(signing_key(store), token)}"


def user_for_cookie(store: Store, cookie: str | None) -> dict | None:
    """The account of a live session (signed here, not revoked, not expired, account still there), else None."""
    token = _token_of(store, cookie)
    if token is None:
        return None
    rows = store.rows(
        "SELECT u.username, u.role, u.province_code, u.district_code, u.map FROM sessions s "
        "JOIN users u ON u.username = s.username "
        "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?",
        [_token_hash(token), dt.datetime.now()])
    if not rows:
        return None
    username, role, province_code, district_code, map_ = rows[0]
    return {"username": username, "role": role, "province_code": province_code, "district_code": district_code,
            "map": map_ or "pre2025"}


def end_session(store: Store, cookie: str | None) -> bool:
    """Revoke the cookie's session (logging out); True when there was a live one."""
    token = _token_of(store, cookie)
    if token is None:
        return False
    with store.transaction() as con:
        changed = con.execute("UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL "
                              "RETURNING 1", [dt.datetime.now(), _token_hash(token)]).fetchall()
    return bool(changed)


def end_sessions_of(store: Store, username: str, keep_cookie: str | None = None) -> int:
    """Revoke every session of an account (a changed password, a removed account); how many were live.

    ``keep_cookie`` spares one session of that account: the tab where its owner changed the password."""
    token = _token_of(store, keep_cookie)
    kept = _token_hash(token) if token else ""
    with store.transaction() as con:
        changed = con.execute("UPDATE sessions SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL "
                              "AND token_hash <> ? RETURNING 1", [dt.datetime.now(), username, kept]).fetchall()
    return len(changed)


# --- handing the cookie to the browser ---------------------------------------------------------
# One process serves both the script and the routes (plantrack.web), so the tickets live in memory.

_tickets: dict[str, tuple[str, float, float]] = {}  # ticket -> (cookie value, max-age seconds, deadline)
_tickets_lock = threading.Lock()


def issue_ticket(cookie: str, hours: float | None = None) -> str:
    """A one-time ticket the page exchanges (``POST /api/session``) for the HttpOnly cookie."""
    ticket = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _tickets_lock:
        for old in [t for t, (_, _, deadline) in _tickets.items() if deadline < now]:
            del _tickets[old]
        _tickets[ticket] = (cookie, (hours if hours is not None else session_hours()) * 3600, now + TICKET_SECONDS)
    return ticket


def ticket_pending(ticket: str) -> bool:
    """Whether the ticket is still to be redeemed (the page has not fetched its cookie yet)."""
    with _tickets_lock:
        entry = _tickets.get(ticket)
    return entry is not None and entry[2] >= time.monotonic()


def redeem_ticket(ticket: str | None) -> tuple[str, int] | None:
    """(cookie value, max-age in seconds) for a ticket not used before and not expired; the ticket is spent."""
    if not ticket:
        return None
    with _tickets_lock:
        entry = _tickets.pop(ticket, None)
    if entry is None or entry[2] < time.monotonic():
        return None
    return entry[0], int(entry[1])


def cookie_header(value: str, max_age: int, secure: bool) -> str:
    """The Set-Cookie value: HttpOnly (no script reads it), SameSite=Strict (no other site sends it).

    Strict still lets a link from an e-mail open the app logged in: the page itself is public,
    and the login comes with the websocket, which is same-site."""
    parts = [f"{COOKIE_NAME}={value}", "Path=/", f"Max-Age={max(0, int(max_age))}", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)
