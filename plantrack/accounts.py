"""Accounts: who may log in, and for which reporting units they may act.

Policy: the dashboards (aggregated figures) are readable without logging in; uploading a
return and downloading an original file need an account. An officer acts only for their own
unit (a commune of today, or a former district: its history stays theirs), a province planner
for their province's units, an admin everywhere (``can_act_for``). Accounts live on both maps
(units.md): an account records the map of its province and unit (``map``), because codes are
reused (92 is today's Cần Thơ and the former one). A planner of a province of today acts for
its communes and for the districts of every province it was formed from; a planner of a
former province for that province's districts. Passwords are kept only as argon2 hashes, never logged or stored in clear.

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
from plantrack.units import NEW_MAP, OLD_MAP, Unit, Units, load_units

ROLES = ("admin", "province", "district")
ROLE_LABELS_VI = {
    "admin": "Quản trị (toàn quốc)",
    "province": "Cán bộ cấp tỉnh",
    "district": "Cán bộ cấp huyện",
}
COMMUNE_ROLE_LABEL_VI = "Cán bộ cấp xã"  # a 'district' (unit officer) account tied to a commune
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # longer input is refused before hashing (no megabyte passwords to argon2)
_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")

# (username, password, role, province_code, district_code, map): the accounts `plantrack demo`
# creates so a visitor can try every role. Demo passwords only; never for real use.
DEMO_USERS = (
    ("quocgia", "quocgia-demo", "admin", None, None, NEW_MAP),
    ("tinh93", "tinh93-demo", "province", "93", None, OLD_MAP),  # former Hậu Giang
    ("huyen933", "huyen933-demo", "district", "93", "933", OLD_MAP),
    ("huyen930", "huyen930-demo", "district", "93", "930", OLD_MAP),
    ("tinh92", "tinh92-demo", "province", "92", None, NEW_MAP),  # today's Cần Thơ (Sở Y tế)
    ("xa31321", "xa31321-demo", "district", "92", "31321", NEW_MAP),  # Phường Vị Thanh
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
                district_code: str | None = None, units: Units | None = None, map_: str | None = None) -> dict:
    """Create an account and return it (without its hash). Raises AccountError when the
    name is taken or malformed, the password too short, or the role and its unit do not fit.

    ``map_`` says which map ``province_code`` is on (the old map unless told: accounts made
    before the reform name old provinces). An officer's unit says its own map: a 3-digit
    district is on the old map, a 5-digit commune on today's."""
    units = units or load_units()
    name = normalize_username(username)
    if not _USERNAME_RE.fullmatch(name):
        raise AccountError("Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.")
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự và không quá {MAX_PASSWORD_LENGTH} ký tự.")
    if role not in ROLES:
        raise AccountError(f"Vai trò '{role}' không hợp lệ (một trong: {', '.join(ROLES)}).")
    map_ = map_ or OLD_MAP
    if map_ not in (OLD_MAP, NEW_MAP):
        raise AccountError(f"Bản đồ đơn vị '{map_}' không hợp lệ ({OLD_MAP} hoặc {NEW_MAP}).")
    if role == "admin":
        province_code = district_code = None
        map_ = NEW_MAP
    elif role == "province":
        table = units.provinces if map_ == OLD_MAP else units.provinces_2025
        if province_code not in table:
            raise AccountError(f"Tài khoản cấp tỉnh cần mã tỉnh hợp lệ (nhận được: {province_code!r}).")
        district_code = None
    else:
        unit = units.reporting_unit(district_code or "")
        if unit is None:
            raise AccountError(f"Tài khoản cấp huyện, cấp xã cần mã huyện hoặc mã xã, phường hợp lệ "
                               f"(nhận được: {district_code!r}).")
        if province_code not in (None, unit.province_code) and not (
                unit.map == OLD_MAP and map_ == NEW_MAP and units.successors.get(unit.parent) == province_code):
            raise AccountError(f"{unit.full_name} ({unit.code}) không thuộc tỉnh {province_code}.")
        province_code, map_ = unit.province_code, unit.map
    password_hash = _hasher.hash(password)
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone():
            raise AccountError(f"Tên đăng nhập '{name}' đã có.")
        con.execute("INSERT INTO users (username, password_hash, role, province_code, district_code, created_at, map) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [name, password_hash, role, province_code, district_code, dt.datetime.now(), map_])
    return {"username": name, "role": role, "province_code": province_code, "district_code": district_code,
            "map": map_}


def authenticate(store: Store, username: str, password: str) -> dict | None:
    """The account (username, role, province_code, district_code) if the password is right, else None.

    An unknown username is verified against a dummy hash, so timing does not tell which names exist."""
    name = normalize_username(username)
    row = store.rows(
        "SELECT username, password_hash, role, province_code, district_code, map FROM users WHERE username = ?",
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
    _, _, role, province_code, district_code, map_ = row[0]
    return {"username": name, "role": role, "province_code": province_code, "district_code": district_code,
            "map": map_ or OLD_MAP}


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
    rows = store.rows("SELECT username, role, province_code, district_code, map, created_at FROM users "
                      "ORDER BY username")
    return [{"username": u, "role": r, "province_code": p, "district_code": d, "map": m or OLD_MAP, "created_at": c}
            for u, r, p, d, m, c in rows]


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
    for username, password, role, province_code, district_code, map_ in DEMO_USERS:
        if username in existing:
            continue
        try:
            create_user(store, username, password, role, province_code, district_code, map_=map_)
        except AccountError:
            continue  # created meanwhile by another session
        created.append((username, password))
    return created


def user_map(user: dict | None) -> str:
    """The map of an account's province and unit (accounts made before the reform: the old one)."""
    return (user or {}).get("map") or OLD_MAP


def home_province(user: dict | None, units: Units | None = None) -> Unit | None:
    """The province an account belongs to, on its own map (None for an admin or a visitor)."""
    if not user or user.get("role") not in ("province", "district"):
        return None
    units = units or load_units()
    table = units.provinces if user_map(user) == OLD_MAP else units.provinces_2025
    return table.get(user.get("province_code") or "")


def own_unit(user: dict | None, units: Units | None = None) -> Unit | None:
    """An officer's own reporting unit (a former district or a commune of today)."""
    if not user or user.get("role") != "district":
        return None
    units = units or load_units()
    unit = units.reporting_unit(user.get("district_code") or "")
    return unit if unit is not None and unit.map == user_map(user) else None


def can_act_for(user: dict | None, unit: "Unit | str", units: Units | None = None) -> bool:
    """Whether the user may upload returns or download original files for this reporting unit:
    a district (3 digits, old map) or a commune of today (5 digits), given as a Unit or a code.

    An admin: every unit. A planner of a province of today: its communes and the districts of
    the provinces it was formed from; of a former province: its districts. An officer: their
    own unit only (a former district's officer keeps that district's history)."""
    if not user or not unit:
        return False
    units = units or load_units()
    target = unit if isinstance(unit, Unit) else units.reporting_unit(str(unit))
    if target is None or target.level == "province":
        return False
    role = user.get("role")
    if role == "admin":
        return True
    if role == "province":
        home = home_province(user, units)
        if home is None:
            return False
        if home.map == NEW_MAP:
            if target.map == NEW_MAP:
                return target.parent == home.code
            return units.successors.get(target.parent) == home.code
        return target.map == OLD_MAP and target.parent == home.code
    if role == "district":
        mine = own_unit(user, units)
        return mine is not None and mine == target
    return False


def units_to_act_for(user: dict | None, province: Unit, map_: str, units: Units | None = None) -> list[Unit]:
    """The reporting units of ``province`` on ``map_`` (districts of its predecessors, or its
    communes) that the user may act for, in code order: what the upload page offers."""
    units = units or load_units()
    return [u for u in units.reporting_units(province, map_) if can_act_for(user, u, units)]


def maps_to_act_on(user: dict | None) -> tuple[str, ...]:
    """The maps whose periods an account may report for: an officer only their unit's map, a
    planner of a former province the old map, a planner of today's province and an admin both."""
    if not user:
        return ()
    role = user.get("role")
    if role == "admin":
        return (OLD_MAP, NEW_MAP)
    if role == "district" or (role == "province" and user_map(user) == OLD_MAP):
        return (user_map(user),)
    if role == "province":
        return (OLD_MAP, NEW_MAP)
    return ()


def may_see_sender(user: dict | None, receipt: dict, units: Units | None = None) -> bool:
    """Whether the user may see who sent a received file: log-in names are not shown to visitors,
    nor to accounts of other units (only to those who may act for its unit, and to its sender)."""
    if not user:
        return False
    if receipt.get("sender") and receipt.get("sender") == user.get("username"):
        return True
    return can_act_for(user, receipt.get("district_code") or "", units)


def describe_user(user: dict | None, units: Units | None = None) -> str:
    """One Vietnamese line: the role and the unit it covers (a former province with '(cũ)')."""
    if not user:
        return ""
    units = units or load_units()
    role = user.get("role")
    label = ROLE_LABELS_VI.get(role, str(role))
    home = home_province(user, units)
    if role == "province" and home is not None:
        return f"{label} — {home.full_name}" + (" (cũ)" if home.map == OLD_MAP else "")
    mine = own_unit(user, units)
    if role == "district" and mine is not None:
        if mine.level == "commune":
            return f"{COMMUNE_ROLE_LABEL_VI} — {mine.full_name} ({units.provinces_2025[mine.parent].full_name})"
        return f"{label} — {mine.full_name}"
    return label
