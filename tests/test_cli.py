"""The command line as scripts use it: JSON shapes, exit codes, and a golden report of the demo."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import full_values, make_return
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
