"""What was received (plantrack.history): receipts, versions, issues and original bytes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from plantrack.history import (
    history_rows, original_bytes, receipt, receipt_issues, receipt_label, receipts, return_history,
)
from plantrack.ingest import ingest_bytes
from plantrack.units import load_units
from tests.helpers import full_values, make_return, new_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = new_store(tmp_path_factory.mktemp("history"))
    when = dt.datetime(2023, 11, 20, 9, 0)
    bad = full_values("933")
    bad["CT01"] = (100, 150)
    v2 = make_return("933", "2023", full_values("933", scale=2))  # sent twice: the same bytes
    files = [
        ("v1.xlsx", make_return("933", "2023", full_values("933")), "huyen933"),
        ("sai.xlsx", make_return("933", "2023", bad), "huyen933"),
        ("v2.xlsx", v2, "huyen933"),
        ("v2-lai.xlsx", v2, "tinh93"),  # unchanged
        ("h1.xlsx", make_return("933", "2023H1", full_values("933")), "huyen933"),
        ("other.xlsx", make_return("930", "2023", full_values("930")), "huyen930"),
        ("nham.xlsx", make_return("930", "2023H1", full_values("930")), "huyen933"),  # another district's, by mistake
        ("notes.pdf", b"%PDF-1.4 not a workbook", "huyen933"),
    ]
    outcomes = {}
    for n, (name, data, sender) in enumerate(files):
        outcomes[name] = ingest_bytes(s, data, f"inbox/{name}", sender=sender, received=when + dt.timedelta(hours=n))
    s.outcomes = outcomes
    s.sent = {name: data for name, data, _ in files}
    return s


def test_every_receipt_of_the_district_newest_period_first(store):
    rows = return_history(store, "933")
    assert [r["filename"] for r in rows] == [
        "inbox/v2-lai.xlsx", "inbox/v2.xlsx", "inbox/sai.xlsx", "inbox/v1.xlsx", "inbox/h1.xlsx"]
    by_name = {r["filename"].split("/")[-1]: r for r in rows}
    assert by_name["v1.xlsx"]["outcome"] == "accepted" and by_name["v1.xlsx"]["version"] == 1
    assert by_name["v2.xlsx"]["version"] == 2 and by_name["v2.xlsx"]["current"]
    assert not by_name["v1.xlsx"]["current"]
    assert by_name["v2-lai.xlsx"]["outcome"] == "unchanged" and by_name["v2-lai.xlsx"]["version"] == 2
    assert by_name["v2-lai.xlsx"]["sender"] == "tinh93"
    sai = by_name["sai.xlsx"]
    assert sai["outcome"] == "rejected" and sai["version"] is None and sai["errors"] == 1 and sai["issues"] >= 1
    assert sai["sha256"] == store.outcomes["sai.xlsx"].sha256
    assert isinstance(sai["received_at"], dt.datetime) and sai["period"] == "2023"


def test_filter_by_period_and_unreadable_files_by_sender(store):
    assert {r["period"] for r in return_history(store, "933", "2023H1")} == {"2023H1"}
    mine = [r["filename"] for r in return_history(store, "933", sender="huyen933")]
    assert "inbox/notes.pdf" in mine and "inbox/nham.xlsx" in mine and "inbox/other.xlsx" not in mine
    theirs = [r["filename"] for r in return_history(store, "933", sender="tinh93")]
    assert "inbox/notes.pdf" not in theirs and "inbox/nham.xlsx" not in theirs


def test_province_receipts(store):
    names = {r["filename"] for r in receipts(store, province_code="93")}
    assert "inbox/other.xlsx" in names and "inbox/v1.xlsx" in names and "inbox/notes.pdf" not in names


def test_issues_of_a_receipt_in_order(store):
    sai = store.outcomes["sai.xlsx"]
    rid = next(r["receipt_id"] for r in return_history(store, "933") if r["filename"] == "inbox/sai.xlsx")
    issues = receipt_issues(store, rid)
    assert [i["code"] for i in issues] == [i.code for i in sai.errors + sai.warnings] or \
        sorted(i["code"] for i in issues) == sorted(i.code for i in sai.errors + sai.warnings)
    err = next(i for i in issues if i["severity"] == "error")
    assert err["cell"] == "F11" and err["indicator"] == "CT01" and "lớn hơn" in err["message"]
    assert receipt_issues(store, 10**9) == []


def test_original_bytes_are_the_file_as_sent(store):
    for name in ("v1.xlsx", "sai.xlsx", "notes.pdf"):
        data = store.sent[name]
        assert original_bytes(store, hashlib.sha256(data).hexdigest()) == data
    assert original_bytes(store, "0" * 64) is None


def test_receipt_by_id(store):
    rows = return_history(store, "933")
    one = receipt(store, rows[0]["receipt_id"])
    assert one == rows[0]
    assert receipt(store, 10**9) is None


def test_history_rows_are_vietnamese(store):
    units = load_units()
    rows = history_rows(return_history(store, "933"), units)
    first = rows[0]
    assert first["Huyện"] == "Huyện Châu Thành" and first["Kỳ báo cáo"] == "Năm 2023"
    assert first["Kết quả"].startswith("Trùng tệp")
    assert rows[1]["Phiên bản"] == "2 (đang dùng)" and rows[1]["Kết quả"] == "Đã nhận"
    assert rows[2]["Kết quả"] == "Bị từ chối" and rows[2]["Lỗi"] == 1
    assert first["Ngày nhận"] == "20/11/2023 12:00" and first["Tệp"] == "v2-lai.xlsx"
    label = receipt_label(return_history(store, "933")[1], units)
    assert "Huyện Châu Thành" in label and "phiên bản 2" in label and "v2.xlsx" in label


def test_empty_store_has_no_history(tmp_path):
    s = new_store(tmp_path)
    assert return_history(s, "933") == [] and receipts(s, province_code="93") == []
