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
    assert user == {"username": "huyen933", "role": "district", "province_code": "93", "district_code": "933",
                    "map": "pre2025"}
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
    assert [u for u, _ in created] == ["quocgia", "tinh93", "huyen933", "huyen930", "tinh92", "xa31321"]
    assert ensure_demo_users(store) == []  # already there
    assert authenticate(store, "quocgia", "quocgia-demo")["role"] == "admin"
    assert authenticate(store, "tinh93", "tinh93-demo") == {
        "username": "tinh93", "role": "province", "province_code": "93", "district_code": None, "map": "pre2025"}
    assert authenticate(store, "tinh92", "tinh92-demo")["map"] == "2025"  # today's Cần Thơ
    assert authenticate(store, "xa31321", "xa31321-demo")["district_code"] == "31321"
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
    assert accounts.describe_user(PROVINCE_93) == "Cán bộ cấp tỉnh — Tỉnh Hậu Giang (cũ)"  # a former province
    assert accounts.describe_user(None) == ""


# --- accounts on both maps (units.md: codes are reused, so an account carries its map) ----------

PROVINCE_92_NEW = {"username": "tinh92", "role": "province", "province_code": "92", "district_code": None,
                   "map": "2025"}
PROVINCE_92_OLD = {"username": "ct-cu", "role": "province", "province_code": "92", "district_code": None,
                   "map": "pre2025"}
COMMUNE_31321 = {"username": "xa31321", "role": "district", "province_code": "92", "district_code": "31321",
                 "map": "2025"}


def test_planner_of_todays_province_acts_for_its_communes_and_its_predecessors_districts():
    from plantrack.units import load_units

    units = load_units()
    communes = {c for c in units.communes if can_act_for(PROVINCE_92_NEW, c, units)}
    assert communes == {c.code for c in units.communes_of("92")}
    districts = {d for d in units.districts if can_act_for(PROVINCE_92_NEW, d, units)}
    assert districts == {d.code for p in ("92", "93", "94") for d in units.districts_of(p)}
    assert not can_act_for(PROVINCE_92_NEW, units.communes_of("31")[0].code, units)  # Hải Phòng's commune


def test_planner_of_a_former_province_keeps_only_its_districts():
    from plantrack.units import load_units

    units = load_units()
    assert {d for d in units.districts if can_act_for(PROVINCE_92_OLD, d, units)} == \
        {d.code for d in units.districts_of("92")}  # old Cần Thơ: not Hậu Giang, not a commune
    assert not any(can_act_for(PROVINCE_92_OLD, c.code, units) for c in units.communes_of("92"))
    assert not any(can_act_for(PROVINCE_93, c.code, units) for c in units.communes_of("92"))


def test_commune_officer_acts_only_for_the_commune():
    from plantrack.units import load_units

    units = load_units()
    assert can_act_for(COMMUNE_31321, "31321", units)
    assert can_act_for(COMMUNE_31321, units.communes["31321"], units)  # a Unit as well as a code
    assert not can_act_for(COMMUNE_31321, "31333", units)  # Phường Vị Tân, the same former district
    assert not can_act_for(COMMUNE_31321, "930", units)  # the former district it lies in
    assert not can_act_for(DISTRICT_933, "31321", units)
    assert accounts.may_see_sender(COMMUNE_31321, {"sender": "other", "district_code": "31321"}, units)
    assert not accounts.may_see_sender(COMMUNE_31321, {"sender": "other", "district_code": "31333"}, units)


def test_accounts_on_todays_map_are_created_with_their_map(store):
    planner = create_user(store, "tinh92", "mat-khau-dai", "province", province_code="92", map_="2025")
    assert planner["map"] == "2025"
    officer = create_user(store, "xa31321", "mat-khau-dai", "district", province_code="92", district_code="31321")
    assert officer == {"username": "xa31321", "role": "district", "province_code": "92", "district_code": "31321",
                       "map": "2025"}
    old = create_user(store, "huyen930", "mat-khau-dai", "district", province_code="92", district_code="930",
                      map_="2025")  # a former district named with today's province: it stays on the old map
    assert (old["province_code"], old["map"]) == ("93", "pre2025")
    with pytest.raises(AccountError):
        create_user(store, "xa-sai", "mat-khau-dai", "district", province_code="31", district_code="31321")
    with pytest.raises(AccountError):
        create_user(store, "tinh-sai", "mat-khau-dai", "province", province_code="93", map_="2025")  # no new 93
    assert authenticate(store, "xa31321", "mat-khau-dai")["map"] == "2025"
    listed = {u["username"]: u["map"] for u in accounts.list_users(store)}
    assert listed == {"tinh92": "2025", "xa31321": "2025", "huyen930": "pre2025"}
    assert accounts.describe_user(officer) == "Cán bộ cấp xã — Phường Vị Thanh (Thành phố Cần Thơ)"
    assert accounts.describe_user(planner) == "Cán bộ cấp tỉnh — Thành phố Cần Thơ"


def test_migration_puts_existing_accounts_on_the_old_map(tmp_path):
    import duckdb

    from plantrack.store import MIGRATIONS_DIR

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    for name in ("001_init.sql", "002_users.sql"):
        con.execute((MIGRATIONS_DIR / name).read_text(encoding="utf-8"))
    con.execute("INSERT INTO users VALUES ('tinh93', 'x', 'province', '93', NULL, now())")
    five = next(MIGRATIONS_DIR.glob("005_*.sql"))
    con.execute(five.read_text(encoding="utf-8"))
    assert con.execute("SELECT username, map FROM users").fetchall() == [("tinh93", "pre2025")]
