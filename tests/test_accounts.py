"""Accounts: argon2 hashes only, login, demo accounts, and who may act for which district."""

from __future__ import annotations

import pytest

from plantrack import accounts
from plantrack.accounts import AccountError, authenticate, can_act_for, create_user, ensure_demo_users
from plantrack.store import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "accounts.duckdb")


def test_password_is_stored_only_as_an_argon2_hash(store):
    create_user(store, "tinh31", "mat-khau-dai", "province", province_code="31")
    ((stored,),) = store.rows("SELECT password_hash FROM users WHERE username = 'tinh31'")
    assert stored.startswith("$argon2id$")
    assert "mat-khau-dai" not in stored
    dumped = " ".join(str(v) for row in store.rows("SELECT * FROM users") for v in row)
    assert "mat-khau-dai" not in dumped


def test_authenticate_returns_the_account_without_its_hash(store):
    create_user(store, "huyen933", "dung-mat-khau", "district", district_code="933")
    user = authenticate(store, "huyen933", "dung-mat-khau")
    assert user == {"username": "huyen933", "role": "district", "province_code": "93", "district_code": "933"}
    assert authenticate(store, " HUYEN933 ", "dung-mat-khau") == user  # names ignore case and spaces


@pytest.mark.parametrize("username,password", [
    ("huyen933", "sai-mat-khau"),
    ("huyen933", ""),
    ("khong-co-ai", "dung-mat-khau"),
    ("", "dung-mat-khau"),
])
def test_authenticate_refuses_wrong_password_and_unknown_user(store, username, password):
    create_user(store, "huyen933", "dung-mat-khau", "district", district_code="933")
    assert authenticate(store, username, password) is None


def test_unknown_user_is_checked_against_a_dummy_hash(store, monkeypatch):
    seen = []

    class Spy:  # PasswordHasher has slots: wrap it rather than patch it
        def __init__(self, real):
            self.real = real

        def verify(self, stored, password):
            seen.append(stored)
            return self.real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(self.real, name)

    monkeypatch.setattr(accounts, "_hasher", Spy(accounts._hasher))
    assert authenticate(store, "khong-co-ai", "mot-mat-khau") is None
    assert seen == [accounts._dummy_hash()]  # same work as a wrong password: names do not leak by timing


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(username="ab", password="du-dai-roi", role="admin"), "Tên đăng nhập"),
    (dict(username="có dấu", password="du-dai-roi", role="admin"), "Tên đăng nhập"),
    (dict(username="ngan", password="ngan", role="admin"), "ít nhất 8"),
    (dict(username="vaitro", password="du-dai-roi", role="root"), "Vai trò"),
    (dict(username="tinhxx", password="du-dai-roi", role="province", province_code="99"), "mã tỉnh"),
    (dict(username="huyenx", password="du-dai-roi", role="district"), "mã huyện"),
    (dict(username="huyeny", password="du-dai-roi", role="district", province_code="31", district_code="933"),
     "không thuộc"),
])
def test_create_user_refuses_what_does_not_fit(store, kwargs, fragment):
    with pytest.raises(AccountError, match=fragment):
        create_user(store, **kwargs)
    assert store.rows("SELECT count(*) FROM users")[0][0] == 0


def test_create_user_refuses_a_taken_name(store):
    create_user(store, "quocgia", "mat-khau-1", "admin")
    with pytest.raises(AccountError, match="đã có"):
        create_user(store, "QuocGia", "mat-khau-2", "admin")
    assert authenticate(store, "quocgia", "mat-khau-1") is not None


def test_demo_users_are_created_once_and_can_log_in(store):
    created = ensure_demo_users(store)
    assert [u for u, _ in created] == ["quocgia", "tinh93", "huyen933", "huyen930"]
    assert ensure_demo_users(store) == []  # already there
    assert authenticate(store, "quocgia", "quocgia-demo")["role"] == "admin"
    assert authenticate(store, "tinh93", "tinh93-demo") == {
        "username": "tinh93", "role": "province", "province_code": "93", "district_code": None}
    assert authenticate(store, "huyen933", "huyen933-demo")["district_code"] == "933"
    assert authenticate(store, "huyen930", "huyen930-demo")["district_code"] == "930"


ADMIN = {"username": "quocgia", "role": "admin", "province_code": None, "district_code": None}
PROVINCE_93 = {"username": "tinh93", "role": "province", "province_code": "93", "district_code": None}
DISTRICT_933 = {"username": "huyen933", "role": "district", "province_code": "93", "district_code": "933"}


@pytest.mark.parametrize("user,district,allowed", [
    (None, "933", False),  # not logged in: read the dashboards, nothing more
    ({}, "933", False),
    (ADMIN, "933", True),
    (ADMIN, "001", True),  # admin: everywhere
    (ADMIN, "999", False),  # ...but only real districts
    (PROVINCE_93, "930", True),
    (PROVINCE_93, "937", True),
    (PROVINCE_93, "303", False),  # a district of Hải Phòng
    (DISTRICT_933, "933", True),
    (DISTRICT_933, "930", False),  # a neighbouring district of the same province
    (DISTRICT_933, "", False),
    ({"username": "x", "role": "district", "province_code": "93", "district_code": None}, "933", False),
    ({"username": "x", "role": "province", "province_code": None, "district_code": None}, "933", False),
    ({"username": "x", "role": "guest", "province_code": "93", "district_code": "933"}, "933", False),
])
def test_can_act_for(user, district, allowed):
    assert can_act_for(user, district) is allowed


def test_province_planner_covers_every_district_of_the_province_and_no_other():
    from plantrack.units import load_units

    units = load_units()
    allowed = {code for code in units.districts if can_act_for(PROVINCE_93, code)}
    assert allowed == {d.code for d in units.districts_of("93")}


def test_describe_user_names_role_and_unit():
    assert accounts.describe_user(DISTRICT_933) == "Cán bộ cấp huyện — Huyện Châu Thành"
    assert accounts.describe_user(PROVINCE_93) == "Cán bộ cấp tỉnh — Tỉnh Hậu Giang"
    assert accounts.describe_user(None) == ""
