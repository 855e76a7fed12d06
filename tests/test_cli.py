"""The command line as scripts use it: JSON shapes, exit codes, and a golden report of the demo."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import full_values, make_return
from plantrack.accounts import DEMO_USERS, create_user
from plantrack.demo import build_demo
from plantrack.store import Store

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "report-93-2024.json"


def run(*args, db):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "plantrack", *args, "--db", str(db)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def demo93(tmp_path_factory):
    """The demo store for Hậu Giang (its returns are the same as in the full demo: first in seed order)."""
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(Store(db), provinces=("93",))
    return db


def test_report_json_of_the_demo_store_matches_the_golden_file(demo93):
    res = run("report", "--province", "Hậu Giang", "--period", "2024", "--json", db=demo93)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert report == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_report_shape_is_the_one_cli_md_gives(demo93):
    report = json.loads(run("report", "--province", "hau giang", "--json", db=demo93).stdout)
    # latest period with any accepted return: former Hậu Giang's districts reported until 2025H1
    assert report["period"] == "2025H1"
    assert set(report) >= {"province_code", "province", "period", "completeness", "indicators", "map", "unit_level"}
    assert (report["map"], report["unit_level"]) == ("pre2025", "district")
    assert set(report["completeness"]) == {"expected", "received", "on_time"}
    ind = report["indicators"][0]
    assert set(ind) >= {"code", "group", "numerator", "denominator", "value", "target", "status",
                        "units_reported", "units_total", "units"}
    assert set(ind["units"][0]) >= {"district_code", "district", "map", "numerator", "denominator", "value", "status"}


def test_ingest_json_one_line_per_file_and_exit_1_when_refused(tmp_path):
    folder = tmp_path / "returns"
    (folder / "sub").mkdir(parents=True)
    (folder / "chau-thanh.xlsx").write_bytes(make_return("933", "2023", full_values("933")))
    bad = full_values("930")
    bad["CT02"] = (10, 20)
    (folder / "sub" / "vi-thanh.xlsx").write_bytes(make_return("930", "2023", bad))
    (folder / "notes.txt").write_text("not a return")  # folders are read for spreadsheet files only
    db = tmp_path / "x.duckdb"
    create_user(Store(db), "so-ldtbxh", "mat-khau-dai", "province", province_code="93")
    res = run("ingest", str(folder), "--json", "--user", "so-ldtbxh", "--received", "2023-12-05", db=db)
    assert res.returncode == 1
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["file"].split("/")[-1], r["status"]) for r in lines] == [("chau-thanh.xlsx", "accepted"), ("vi-thanh.xlsx", "rejected")]
    ok, refused = lines
    assert (ok["province_code"], ok["province"], ok["district_code"], ok["district"], ok["period"], ok["version"]) == \
        ("93", "Hậu Giang", "933", "Huyện Châu Thành", "2023", 1)
    assert "late" in {w["code"] for w in ok["warnings"]}  # received 5 Dec, due 30 Nov
    assert refused["errors"] == [{"code": "numerator-exceeds-denominator", "sheet": "BaoCao", "cell": "F12",
                                  "indicator": "CT02", "message": refused["errors"][0]["message"]}]
    assert "[2/2]" in res.stderr  # progress for folders on stderr
    again = run("ingest", str(folder / "chau-thanh.xlsx"), "--json", db=db)
    assert again.returncode == 0 and json.loads(again.stdout)["status"] == "unchanged"


def test_usage_errors_exit_2(tmp_path):
    db = tmp_path / "x.duckdb"
    assert run("report", "--province", "Atlantis", db=db).returncode == 2
    assert run("report", "--province", "93", "--period", "2031", db=db).returncode == 2
    assert run("ingest", str(tmp_path / "missing.xlsx"), db=db).returncode == 2
    assert run("frobnicate", db=db).returncode == 2
    res = run("template", "--province", "93", "--district", "Long Mỹ", "--period", "2023", "-o", str(tmp_path / "t.xlsx"), db=db)
    assert res.returncode == 2 and "Huyện Long Mỹ" in res.stderr and "Thị xã Long Mỹ" in res.stderr


def test_template_command_writes_a_form_that_reads_back(tmp_path):
    out = tmp_path / "form.xlsx"
    res = run("template", "--province", "Hậu Giang", "--district", "H. Châu Thành", "--period", "6 tháng đầu năm 2024",
              "-o", str(out), db=tmp_path / "x.duckdb")
    assert res.returncode == 0, res.stderr
    from plantrack.ingest import check_bytes
    checked = check_bytes(out.read_bytes())
    assert (checked.district_code, checked.period.code) == ("933", "2024H1")
    assert not checked.errors


def test_export_command_writes_the_consolidated_report(demo93, tmp_path):
    out = tmp_path / "tong-hop.xlsx"
    res = run("export", "--province", "93", "--period", "2024", "-o", str(out), db=demo93)
    assert res.returncode == 0, res.stderr
    from openpyxl import load_workbook
    assert "TongHop" in load_workbook(out).sheetnames


def test_user_add_reads_the_password_from_stdin_and_stores_only_a_hash(tmp_path):
    db = tmp_path / "u.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "plantrack", "user", "add", "huyen937", "--role", "district",
                          "--province", "Hậu Giang", "--district", "TX. Long Mỹ", "--db", str(db)],
                         input="mat-khau-rat-dai\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "mat-khau-rat-dai" not in res.stderr + res.stdout
    from plantrack.accounts import authenticate
    user = authenticate(Store(db), "huyen937", "mat-khau-rat-dai")
    assert user["district_code"] == "937"
    assert Store(db).rows("SELECT password_hash LIKE '$argon2%' FROM users") == [(True,)]
    short = subprocess.run([sys.executable, "-m", "plantrack", "user", "add", "x1y", "--role", "admin", "--db", str(db)],
                           input="short\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert short.returncode == 2


# --- accounts from the command line -----------------------------------------------------------

def _with_stdin(args, db, text):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "plantrack", *args, "--db", str(db)], input=text,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_ingest_user_must_name_an_existing_account(tmp_path):
    db = tmp_path / "x.duckdb"
    f = tmp_path / "chau-thanh.xlsx"
    f.write_bytes(make_return("933", "2023", full_values("933")))
    res = run("ingest", str(f), "--user", "quocgia", db=db)  # free text would later grant download rights
    assert res.returncode == 2 and "quocgia" in res.stderr
    assert Store(db).rows("SELECT count(*) FROM receipts") == [(0,)]
    create_user(Store(db), "huyen933", "mat-khau-dai", "district", district_code="933")
    res = run("ingest", str(f), "--user", "HUYEN933", db=db)
    assert res.returncode == 0, res.stderr
    assert Store(db).rows("SELECT sender FROM receipts") == [("huyen933",)]


def test_user_list_passwd_remove(tmp_path):
    from plantrack.accounts import authenticate
    from plantrack.sessions import start_session, user_for_cookie

    db = tmp_path / "u.duckdb"
    store = Store(db)
    create_user(store, "tinh93", "mat-khau-cu-1", "province", province_code="93")
    create_user(store, "huyen933", "mat-khau-cu-2", "district", district_code="933")
    cookie = start_session(store, "tinh93")
    listed = run("user", "list", "--json", db=db)
    assert listed.returncode == 0, listed.stderr
    assert [(u["username"], u["role"]) for u in json.loads(listed.stdout)] == [("huyen933", "district"),
                                                                               ("tinh93", "province")]
    assert "argon2" not in listed.stdout and "mat-khau" not in listed.stdout

    res = _with_stdin(["user", "passwd", "tinh93"], db, "mat-khau-moi-dai\n")
    assert res.returncode == 0, res.stderr
    assert "mat-khau-moi-dai" not in res.stdout + res.stderr
    assert authenticate(store, "tinh93", "mat-khau-cu-1") is None
    assert authenticate(store, "tinh93", "mat-khau-moi-dai")["role"] == "province"
    assert user_for_cookie(store, cookie) is None  # a changed password ends the old sessions
    assert _with_stdin(["user", "passwd", "tinh93"], db, "ngan\n").returncode == 2
    assert _with_stdin(["user", "passwd", "khong-co"], db, "mat-khau-moi-dai\n").returncode == 2

    assert run("user", "remove", "huyen933", db=db).returncode == 0
    assert authenticate(store, "huyen933", "mat-khau-cu-2") is None
    assert run("user", "remove", "huyen933", db=db).returncode == 2


# --- folders: links, special files, names --------------------------------------------------------

def test_folder_load_skips_links_and_special_files_unless_asked(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "vi-thanh.xlsx").write_bytes(make_return("930", "2023", full_values("930")))
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "chau-thanh.xlsx").write_bytes(make_return("933", "2023", full_values("933")))
    (folder / "link.xlsx").symlink_to(outside / "vi-thanh.xlsx")
    (folder / "linked-dir").symlink_to(outside)
    os.mkfifo(folder / "pipe.xlsx")  # would block a reader forever
    db = tmp_path / "x.duckdb"
    res = run("ingest", str(folder), "--json", db=db)
    assert res.returncode == 0, res.stderr
    assert [Path(json.loads(line)["file"]).name for line in res.stdout.splitlines()] == ["chau-thanh.xlsx"]
    for name in ("link.xlsx", "linked-dir", "pipe.xlsx"):
        assert f"Bỏ qua {folder / name}" in res.stderr
    followed = run("ingest", str(folder), "--json", "--follow-links", db=db)
    names = sorted(Path(json.loads(line)["file"]).name for line in followed.stdout.splitlines())
    assert names == ["chau-thanh.xlsx", "link.xlsx", "vi-thanh.xlsx"]  # the fifo is still skipped
    assert f"Bỏ qua {folder / 'pipe.xlsx'}" in followed.stderr


def test_file_names_are_cleaned_of_control_characters_before_printing_and_storing(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    nasty = "bao\x1b[2J\x1b[31mcao\rTỪ CHỐI\u202e.xlsx"
    (folder / nasty).write_bytes(make_return("933", "2023", full_values("933")))
    db = tmp_path / "x.duckdb"
    res = run("ingest", str(folder), db=db)
    assert res.returncode == 0, res.stderr
    for stream in (res.stdout, res.stderr):
        assert "\x1b" not in stream and "\r" not in stream and "\u202e" not in stream
    assert "baocaoTỪ CHỐI.xlsx" in res.stdout
    ((stored,),) = Store(db).rows("SELECT filename FROM receipts")
    assert stored.endswith("baocaoTỪ CHỐI.xlsx") and "\x1b" not in stored


# --- the store's integrity ------------------------------------------------------------------------

def test_check_is_clean_on_the_demo_store_and_lists_what_is_broken(demo93, tmp_path):
    res = run("check", "--json", db=demo93)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"ok": True, "problems": []}
    broken = tmp_path / "broken.duckdb"
    import shutil
    shutil.copy(demo93, broken)
    store = Store(broken)
    with store.transaction() as con:
        rid = con.execute("SELECT min(id) FROM returns").fetchone()[0]
        con.execute("UPDATE return_values SET numerator = denominator + 1 WHERE return_id = ? AND indicator = 'CT01'",
                    [rid])
        con.execute("DELETE FROM return_values WHERE return_id = (SELECT max(id) FROM returns)")
        con.execute("UPDATE blobs SET size = size + 1 WHERE sha256 = (SELECT min(sha256) FROM blobs)")
    res = run("check", "--json", db=broken)
    assert res.returncode == 3
    codes = {p["code"] for p in json.loads(res.stdout)["problems"]}
    assert codes == {"numerator-exceeds-denominator", "return-without-values", "file-damaged"}
    assert "Số đạt lớn hơn Tổng số" in res.stderr


def test_only_the_demo_store_has_demo_accounts(demo93, tmp_path):
    from plantrack.accounts import count_users

    assert count_users(Store(demo93)) == len(DEMO_USERS) == 6  # plantrack demo: the published demo accounts
    f = tmp_path / "chau-thanh.xlsx"
    f.write_bytes(make_return("933", "2023", full_values("933")))
    db = tmp_path / "real.duckdb"
    assert run("ingest", str(f), db=db).returncode == 0
    assert count_users(Store(db)) == 0
    backup_file = tmp_path / "b.duckdb"
    assert run("backup", "-o", str(backup_file), db=db).returncode == 0
    restored = tmp_path / "restored.duckdb"
    assert run("restore", str(backup_file), db=restored).returncode == 0
    assert count_users(Store(restored)) == 0


def test_user_add_ties_accounts_to_todays_province_a_commune_or_a_former_district(tmp_path):
    db = tmp_path / "maps.duckdb"
    for args in (["tinh92", "--role", "province", "--province", "Cần Thơ"],
                 ["xa31321", "--role", "district", "--province", "Cần Thơ", "--unit", "Phường Vị Thanh"],
                 ["huyen930", "--role", "district", "--province", "Cần Thơ", "--district", "Thành phố Vị Thanh"]):
        res = _with_stdin(["user", "add", *args], db, "mat-khau-rat-dai\n")
        assert res.returncode == 0, res.stderr
    listed = {u["username"]: u for u in json.loads(run("user", "list", "--json", db=db).stdout)}
    assert (listed["tinh92"]["province_code"], listed["tinh92"]["map"]) == ("92", "2025")
    assert (listed["xa31321"]["district_code"], listed["xa31321"]["map"]) == ("31321", "2025")
    assert (listed["huyen930"]["province_code"], listed["huyen930"]["map"]) == ("93", "pre2025")  # former district
    text = run("user", "list", db=db).stdout
    assert "xa31321\t2025\tCán bộ cấp xã — Phường Vị Thanh (Thành phố Cần Thơ)" in text
    bad = _with_stdin(["user", "add", "xa-sai", "--role", "district", "--province", "Hải Phòng", "--unit",
                       "Phường Vị Thanh"], db, "mat-khau-rat-dai\n")
    assert bad.returncode == 2 and "không nhận ra" in bad.stderr
