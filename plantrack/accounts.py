"""Accounts: who may log in, and for which districts they may act.

Policy: the dashboards (aggregated figures) are readable without logging in; uploading a
return and downloading an original file need an account. A district officer acts only for
their own district, a province planner for their province's districts, an admin everywhere
(``can_act_for``). Passwords are kept only as argon2 hashes, never logged or stored in clear.

Guessing is slowed where a reload cannot reset it: failed logins are counted in the store per
account name and per client address (``log_in``); each further failure waits longer, and
LOCK_AFTER failures lock the name (ADDRESS_LOCK_AFTER the address) for LOCK_MINUTES. Each
argon2 check takes 64 MiB, so at most CONCURRENT_CHECKS run at once; others wait briefly,
then are told to retry.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from plantrack.store import Store
from plantrack.units import Units, load_units

ROLES = ("admin", "province", "district")
ROLE_LABELS_VI = {
    "admin": "Quản trị (toàn quốc)",
    "province": "Cán bộ cấp tỉnh",
    "district": "Cán bộ cấp huyện",
}
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # longer input is refused before hashing (no megabyte passwords to argon2)
_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")

# (username, password, role, province_code, district_code): the accounts `plantrack demo`
# creates so a visitor can try every role. Demo passwords only; never for real use.
DEMO_USERS = (
    ("quocgia", "quocgia-demo", "admin", None, None),
    ("tinh93", "tinh93-demo", "province", "93", None),
    ("huyen933", "huyen933-demo", "district", "93", "933"),
    ("huyen930", "huyen930-demo", "district", "93", "930"),
)

_hasher = PasswordHasher()

LOCK_AFTER = 5  # failures of one account name before it is locked
ADDRESS_LOCK_AFTER = 20  # failures from one address (an office shares one) before it is locked
LOCK_MINUTES = 15
FORGET_AFTER = dt.timedelta(hours=1)  # a failure this old no longer counts
CONCURRENT_CHECKS = 2
CHECK_WAIT_SECONDS = 5.0
_checks = threading.BoundedSemaphore(CONCURRENT_CHECKS)
_sleep = time.sleep  # tests replace it


class LoginBusy(RuntimeError):
    """Too many password checks at once; the caller should retry in a moment."""


class AccountError(ValueError):
    """An account cannot be created as asked; the message (Vietnamese) says why."""


@functools.cache
def _dummy_hash() -> str:
    # Verified against for unknown usernames, so a wrong name costs as long as a wrong password.
    return _hasher.hash("plantrack: no such user")


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def create_user(store: Store, username: str, password: str, role: str, province_code: str | None = None,
                district_code: str | None = None, units: Units | None = None) -> dict:
    """Create an account and return it (without its hash). Raises AccountError when the
    name is taken or malformed, the password too short, or the role and its unit do not fit."""
    units = units or load_units()
    name = normalize_username(username)
    if not _USERNAME_RE.fullmatch(name):
        raise AccountError("Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.")
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự và không quá {MAX_PASSWORD_LENGTH} ký tự.")
    if role not in ROLES:
        raise AccountError(f"Vai trò '{role}' không hợp lệ (một trong: {', '.join(ROLES)}).")
    if role == "admin":
        province_code = district_code = None
    elif role == "province":
        if province_code not in units.provinces:
            raise AccountError(f"Tài khoản cấp tỉnh cần mã tỉnh hợp lệ (nhận được: {province_code!r}).")
        district_code = None
    else:
        district = units.districts.get(district_code or "")
        if district is None:
            raise AccountError(f"Tài khoản cấp huyện cần mã huyện hợp lệ (nhận được: {district_code!r}).")
        if province_code not in (None, district.province_code):
            raise AccountError(f"Huyện {district_code} không thuộc tỉnh {province_code}.")
        province_code = district.province_code
    password_hash = _hasher.hash(password)
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone():
            raise AccountError(f"Tên đăng nhập '{name}' đã có.")
        con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
                    [name, password_hash, role, province_code, district_code, dt.datetime.now()])
    return {"username": name, "role": role, "province_code": province_code, "district_code": district_code}


def authenticate(store: Store, username: str, password: str) -> dict | None:
    """The account (username, role, province_code, district_code) if the password is right, else None.

    An unknown username is verified against a dummy hash, so timing does not tell which names exist."""
    name = normalize_username(username)
    row = store.rows(
        "SELECT username, password_hash, role, province_code, district_code FROM users WHERE username = ?",
        [name]) if name else []
    stored = row[0][1] if row else _dummy_hash()
    if len(password or "") > MAX_PASSWORD_LENGTH:
        password = ""  # checked (and failing) like any wrong password, without hashing a megabyte
    if not _checks.acquire(timeout=CHECK_WAIT_SECONDS):
        raise LoginBusy("Hệ thống đang kiểm tra nhiều lượt đăng nhập cùng lúc; hãy thử lại sau ít giây.")
    try:
        _hasher.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    finally:
        _checks.release()
    if not row:
        return None
    if _hasher.check_needs_rehash(stored):  # parameters strengthened since the hash was made
        with store.transaction() as con:
            con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), name])
    _, _, role, province_code, district_code = row[0]
    return {"username": name, "role": role, "province_code": province_code, "district_code": district_code}


def count_users(store: Store) -> int:
    return store.rows("SELECT count(*) FROM users")[0][0]


# --- logging in, with failures counted in the store ---------------------------------------------

@dataclass
class LoginResult:
    """What a login attempt came to: the account, or a Vietnamese message saying why not."""

    user: dict | None = None
    message: str = ""
    locked_minutes: int = 0


def _minutes(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def delay_after(failures: int) -> float:
    """Seconds to wait before checking a password after this many recent failures: 0, 0, 1, 2, 4, 8…"""
    return 0.0 if failures < 2 else float(min(2 ** (failures - 2), 8))


def _failure_state(store: Store, name: str, address: str, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """(recent failures, latest lock end still ahead) over the account name and the address."""
    rows = store.rows("SELECT kind, failures, last_failure, locked_until FROM login_failures "
                      "WHERE (kind = 'user' AND key = ?) OR (kind = 'address' AND key = ?)", [name, address])
    failures, locked = 0, None
    for kind, n, last, until in rows:
        if until is not None and until > now:
            locked = max(locked or until, until)
        if now - last <= FORGET_AFTER:
            failures = max(failures, n if kind == "user" else n // 4)  # an address is shared: slower growth
    return failures, locked


def _count_failure(store: Store, name: str, address: str, now: dt.datetime) -> dt.datetime | None:
    """Add one failure to the name and to the address; the lock end if either is now locked."""
    locked = None
    with store.transaction() as con:
        for kind, key, limit in (("user", name, LOCK_AFTER), ("address", address, ADDRESS_LOCK_AFTER)):
            row = con.execute("SELECT failures, last_failure FROM login_failures WHERE kind = ? AND key = ?",
                              [kind, key]).fetchone()
            n = (row[0] if row and now - row[1] <= FORGET_AFTER else 0) + 1
            until = now + dt.timedelta(minutes=LOCK_MINUTES * 2 ** (n // limit - 1)) if n >= limit and n % limit == 0 \
                else None
            con.execute("INSERT INTO login_failures VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET "
                        "failures = excluded.failures, last_failure = excluded.last_failure, "
                        "locked_until = coalesce(excluded.locked_until, login_failures.locked_until)",
                        [kind, key, n, now, until])
            if until is not None:
                locked = max(locked or until, until)
    return locked


WRONG_LOGIN_VI = "Sai tên đăng nhập hoặc mật khẩu."


def _locked_message(until: dt.datetime, now: dt.datetime) -> LoginResult:
    minutes = _minutes(until, now)
    return LoginResult(message=f"Đăng nhập sai quá nhiều lần: tạm khóa, hãy thử lại sau {minutes} phút.",
                       locked_minutes=minutes)


def log_in(store: Store, username: str, password: str, address: str | None) -> LoginResult:
    """Check a login, counting failures per account name and per client address in the store.

    A locked name or address is refused without checking the password; after a failure the next
    check waits ``delay_after`` seconds; a success clears the name's count (not the address's)."""
    name = normalize_username(username)[:64]
    address = (address or "local")[:64]
    now = dt.datetime.now()
    failures, locked = _failure_state(store, name, address, now)
    if locked is not None:
        return _locked_message(locked, now)
    _sleep(delay_after(failures))
    try:
        user = authenticate(store, name, password)
    except LoginBusy as exc:
        return LoginResult(message=str(exc))
    now = dt.datetime.now()
    if user is None:
        locked = _count_failure(store, name, address, now)
        if locked is not None:
            return _locked_message(locked, now)
        return LoginResult(message=WRONG_LOGIN_VI)
    with store.transaction() as con:
        con.execute("DELETE FROM login_failures WHERE kind = 'user' AND key = ?", [name])
    return LoginResult(user=user)


# --- managing accounts (plantrack user …) ------------------------------------------------------

def list_users(store: Store) -> list[dict]:
    """Every account (without its hash), by name."""
    rows = store.rows("SELECT username, role, province_code, district_code, created_at FROM users ORDER BY username")
    return [{"username": u, "role": r, "province_code": p, "district_code": d, "created_at": c}
            for u, r, p, d, c in rows]


def user_exists(store: Store, username: str) -> bool:
    return bool(store.rows("SELECT 1 FROM users WHERE username = ?", [normalize_username(username)]))


def set_password(store: Store, username: str, password: str) -> None:
    """Change an account's password and end its sessions everywhere. Raises AccountError."""
    from plantrack.sessions import end_sessions_of

    name = normalize_username(username)
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự và không quá {MAX_PASSWORD_LENGTH} ký tự.")
    password_hash = _hasher.hash(password)
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone():
            raise AccountError(f"Không có tài khoản '{name}'.")
        con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, name])
        con.execute("DELETE FROM login_failures WHERE kind = 'user' AND key = ?", [name])
    end_sessions_of(store, name)


def change_password(store: Store, username: str, old: str, new: str, *, address: str | None = None,
                    keep_cookie: str | None = None) -> None:
    """A logged-in user changes their own password: the old one must be right (a wrong one counts as
    a failed login, so guessing it is slowed and locked like guessing at the login box), the new one
    follows the rules of ``set_password`` and differs from the old. Every other session of the
    account ends, as with ``plantrack user passwd``; ``keep_cookie`` (the tab asking) stays logged in.
    Raises AccountError with a Vietnamese message."""
    from plantrack.sessions import end_sessions_of

    name = normalize_username(username)
    if not isinstance(new, str) or not MIN_PASSWORD_LENGTH <= len(new) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu mới phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự và không quá {MAX_PASSWORD_LENGTH} ký tự.")
    if new == old:
        raise AccountError("Mật khẩu mới phải khác mật khẩu cũ.")
    checked = log_in(store, name, old, address)
    if checked.user is None:
        raise AccountError("Mật khẩu cũ không đúng." if checked.message == WRONG_LOGIN_VI else checked.message)
    password_hash = _hasher.hash(new)
    with store.transaction() as con:
        con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, name])
    end_sessions_of(store, name, keep_cookie=keep_cookie)


def remove_user(store: Store, username: str) -> None:
    """Remove an account and end its sessions. Its receipts keep the name as their sender. Raises AccountError."""
    from plantrack.sessions import end_sessions_of

    name = normalize_username(username)
    end_sessions_of(store, name)
    with store.transaction() as con:
        if not con.execute("DELETE FROM users WHERE username = ? RETURNING 1", [name]).fetchall():
            raise AccountError(f"Không có tài khoản '{name}'.")


def ensure_demo_users(store: Store) -> list[tuple[str, str]]:
    """Create the demo accounts that are missing; return (username, password) of those created."""
    existing = {r[0] for r in store.rows("SELECT username FROM users")}
    created = []
    for username, password, role, province_code, district_code in DEMO_USERS:
        if username in existing:
            continue
        try:
            create_user(store, username, password, role, province_code, district_code)
        except AccountError:
            continue  # created meanwhile by another session
        created.append((username, password))
    return created


def can_act_for(user: dict | None, district_code: str, units: Units | None = None) -> bool:
    """Whether the user may upload returns or download original files for this district."""
    if not user or not district_code:
        return False
    units = units or load_units()
    district = units.districts.get(str(district_code))
    if district is None:
        return False
    role = user.get("role")
    if role == "admin":
        return True
    if role == "province":
        return bool(user.get("province_code")) and user.get("province_code") == district.province_code
    if role == "district":
        return user.get("district_code") == district.code
    return False


def may_see_sender(user: dict | None, receipt: dict, units: Units | None = None) -> bool:
    """Whether the user may see who sent a received file: log-in names are not shown to visitors,
    nor to accounts of other units (only to those who may act for its district, and to its sender)."""
    if not user:
        return False
    if receipt.get("sender") and receipt.get("sender") == user.get("username"):
        return True
    return can_act_for(user, receipt.get("district_code") or "", units)


def describe_user(user: dict | None, units: Units | None = None) -> str:
    """One Vietnamese line: the role and the unit it covers."""
    if not user:
        return ""
    units = units or load_units()
    role = user.get("role")
    label = ROLE_LABELS_VI.get(role, str(role))
    if role == "province" and user.get("province_code") in units.provinces:
        return f"{label} — {units.provinces[user['province_code']].full_name}"
    if role == "district" and user.get("district_code") in units.districts:
        return f"{label} — {units.districts[user['district_code']].full_name}"
    return label
