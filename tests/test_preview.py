"""The officer sees what will be stored, before it is stored: ``ingest.preview_bytes`` gives every
warning storing would give (denominator-jump, late, ratio-mismatch, not-reported) without
writing anything, and the upload page shows them before the "Nộp báo cáo này" button."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from plantrack.ingest import ingest_bytes, preview_bytes
from plantrack.issues import NAMES_VI
from plantrack.store import Store

from tests.helpers import full_values, load, make_return
from tests.test_upload_page import PAGES, USERS, _fresh_caches, _tables, store, upload  # noqa: F401 - fixtures

CODE_OF = {name: code for code, name in NAMES_VI.items()}  # the pages show the codes' Vietnamese names

WARNED = {"denominator-jump", "late", "ratio-mismatch", "not-reported"}


def _counts(s: Store) -> dict[str, int]:
    return {t: s.rows(f"SELECT count(*) FROM {t}")[0][0] for t in ("receipts", "blobs", "returns", "issues")}


def _risky_return() -> bytes:
    """Hậu Giang's Châu Thành, 2023: CT01's Tổng số jumps from 100 to 400, CT02's form ratio says 99 %
    where 100/200 is 50 %, CT03 left empty."""
    values = full_values("933")
    values["CT01"] = (400, 50)
    values["CT03"] = (None, None)
    data = make_return("933", "2023", values)
    wb = load_workbook(io.BytesIO(data))
    wb["BaoCao"]["G12"] = 99  # CT02's Tỷ lệ (%)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_previous_year(s: Store) -> None:
    out = load(s, "933", "2022", full_values("933"), received=dt.datetime(2022, 12, 1))
    assert out.status == "accepted"


def test_preview_gives_every_warning_storing_would_and_writes_nothing(tmp_path):
    s = Store(tmp_path / "preview.duckdb")
    _with_previous_year(s)
    data = _risky_return()
    late = dt.datetime(2024, 3, 1)
    before = _counts(s)
    preview = preview_bytes(s, data, "chau-thanh-2023.xlsx", received=late, expect_district="933")
    assert _counts(s) == before  # a dry run
    assert preview.status == "accepted" and preview.version == 1 and not preview.errors
    assert {i.code for i in preview.warnings} == WARNED
    stored = ingest_bytes(s, data, "chau-thanh-2023.xlsx", received=late, expect_district="933")
    assert stored.status == "accepted" and stored.version == preview.version
    assert [i.to_dict() for i in stored.warnings] == [i.to_dict() for i in preview.warnings]
    # the same bytes again: the preview says unchanged, as storing would
    again = preview_bytes(s, data, "lai.xlsx", received=late)
    assert again.status == "unchanged" and again.version == 1


def test_preview_of_a_refused_file_gives_its_errors(tmp_path):
    s = Store(tmp_path / "p.duckdb")
    bad = full_values("933")
    bad["CT01"] = (100, 150)
    preview = preview_bytes(s, make_return("933", "2023", bad), "sai.xlsx")
    assert preview.status == "rejected"
    assert [i.code for i in preview.errors] == ["numerator-exceeds-denominator"]
    assert _counts(s)["receipts"] == 0


def test_upload_page_shows_the_jump_and_every_warning_before_the_button(store):
    _with_previous_year(store)
    at = AppTest.from_file(str(PAGES / "upload.py"), default_timeout=120)
    at.session_state["user"] = USERS["huyen933"]
    at.run()
    at.radio(key="upload_mode").set_value("file").run()
    upload(at, ("chau-thanh-2023.xlsx", _risky_return()))
    assert not at.exception
    assert [b for b in at.button if b.label == "Nộp báo cáo này"]  # not stored yet
    assert store.rows("SELECT count(*) FROM returns WHERE period = '2023'")[0][0] == 0
    shown = {code for t in _tables(at) if "Loại lỗi" in t.columns for code in t["Loại lỗi"].map(CODE_OF)}
    assert shown == WARNED  # received now, long after 2023's due date: late too
    assert any("sẽ là phiên bản 1" in m.value for m in at.markdown)
