"""Accounts: who may log in, and for which districts they may act.

Policy: the dashboards (aggregated figures) are readable without logging in; uploading a
return and downloading an original file need an account. A district officer acts only for
their own district, a province planner for their province's districts, an admin everywhere
(``can_act_for``). Passwords are kept only as argon2 hashes, never logged or stored in clear.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

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
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
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
    try:
        _hasher.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not row:
        return None
    if _hasher.check_needs_rehash(stored):  # parameters strengthened since the hash was made
        with store.transaction() as con:
            con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), name])
    _, _, role, province_code, district_code = row[0]
    return {"username": name, "role": role, "province_code": province_code, "district_code": district_code}


def count_users(store: Store) -> int:
    return store.rows("SELECT count(*) FROM users")[0][0]


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
