"""No markup from files: Markdown, HTML, javascript: and shortcode payloads in a return's cells,
its sheet's name and its file name come out of every page that shows file text as text.

The payload file is the hostile fixture ``markup-in-text.xlsx`` (made by
``tests/hostile/make_hostile.py``); the pages are driven with AppTest, and every element that
Streamlit renders as Markdown (markdown, captions, alerts, headings, st.table cells, radio
options) is checked with ``markup_in``; tables of file text must be dataframes (plain text).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from plantrack.ingest import ingest_bytes
from tests.helpers import full_values, make_return
from tests.markup_check import markup_in
from tests.test_upload_page import PAGES, USERS, _fresh_caches, store, upload  # noqa: F401 - fixtures

HOSTILE = Path(__file__).resolve().parent / "hostile" / "files"
PAYLOAD_NAME = ("[Hướng dẫn](http://attacker.example) ![x](http://attacker.example/p.png) "
                "<img src=x onerror=alert(1)> [js](javascript:alert(1)) :smile: :material/warning: $x$.xlsx")


def _rendered(at: AppTest) -> list[str]:
    """The text of every element Streamlit renders as Markdown."""
    out = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader",
                 "toast", "latex"):
        out += [str(e.value) for e in getattr(at, kind)]
    for t in at.table:
        out += [str(v) for v in t.value.astype(str).to_numpy().ravel()]
        out += [str(c) for c in t.value.columns]
    for r in at.radio:
        out += [str(o) for o in r.options]
    for e in at.expander:
        out.append(str(e.label))
    return out


def _plain(at: AppTest) -> str:
    """Everything shown as plain text (dataframes, selectbox options, st.text and st.code)."""
    parts = [d.value.astype(str).to_csv() for d in at.dataframe]
    parts += [o for s in at.selectbox for o in s.options]
    parts += [str(t.value) for t in at.text] + [str(c.value) for c in at.code]
    return "\n".join(parts)


MARKERS = ("attacker", "javascript", "onerror", "smile", "material/warning", "Hướng dẫn", "<img", "<b>")


def _assert_no_markup(at: AppTest) -> None:
    """No element rendered as Markdown turns the payload into markup (plantrack's own legend may use
    HTML: only bodies carrying the payload are judged)."""
    assert not at.exception, at.exception
    found = [f for body in _rendered(at) if any(m in body.replace("\\", "") for m in MARKERS)
             for f in markup_in(body)]
    assert found == [], found


@pytest.fixture
def hostile_store(store):
    data = (HOSTILE / "markup-in-text.xlsx").read_bytes()
    out = ingest_bytes(store, data, PAYLOAD_NAME, sender="huyen933", received=dt.datetime(2023, 11, 1),
                       expect_district="933")
    assert out.status == "rejected" and "unit-unknown" in {i.code for i in out.errors}
    good = make_return("933", "2023", full_values("933"))
    assert ingest_bytes(store, good, "C:\\hop thu\\" + PAYLOAD_NAME, sender="huyen933",
                        received=dt.datetime(2023, 11, 2)).status == "accepted"
    return store


def test_upload_page_shows_file_text_as_text(store):
    at = AppTest.from_file(str(PAGES / "upload.py"), default_timeout=120)
    at.session_state["user"] = USERS["huyen933"]
    at.run()
    at.radio(key="upload_mode").set_value("file").run()
    upload(at, (PAYLOAD_NAME, (HOSTILE / "markup-in-text.xlsx").read_bytes()))
    _assert_no_markup(at)
    assert "attacker.example" in _plain(at)  # the payload reached the page: as plain text
    assert any("Hướng dẫn" in body for body in _rendered(at))  # the file name, escaped


def test_history_page_shows_file_text_as_text(hostile_store):
    shown = ""
    for user in (None, "tinh93", "huyen933"):  # the officer sees the refused file they sent, too
        at = AppTest.from_file(str(PAGES / "history.py"), default_timeout=120)
        if user:
            at.session_state["user"] = USERS[user]
        at.session_state["province"] = "93"
        at.run()
        receipts = at.selectbox(key="history_receipt")
        for n in range(len(receipts.options)):
            at.selectbox(key="history_receipt").select_index(n)
            at.run()
            _assert_no_markup(at)
            shown += _plain(at)
    assert "javascript:alert(1)" in shown  # the quoted cell, in the issues table: as plain text


@pytest.mark.parametrize("name", ["districts", "completeness"])
def test_dashboard_pages_show_file_text_as_text(hostile_store, name):
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)
    at.session_state["province"] = "93"
    at.session_state["period"] = "2023"
    at.run()
    if name == "districts":
        at.selectbox(key="districts_district").set_value("933").run()
    _assert_no_markup(at)


def test_officer_page_shows_file_text_as_text(store):
    values = full_values("933")
    values["CT01"] = (100, "[Hướng dẫn](javascript:alert(1)) <img src=x onerror=alert(1)>")  # quoted in the error
    out = ingest_bytes(store, make_return("933", "2023", values), PAYLOAD_NAME, sender="huyen933",
                       received=dt.datetime(2023, 11, 1))
    assert out.status == "rejected"
    at = AppTest.from_file(str(PAGES.parent / "app.py"), default_timeout=120)  # its link needs the router
    at.session_state["user"] = USERS["huyen933"]
    at.run()  # an officer's first page is their unit
    assert [h.value for h in at.header] == ["Đơn vị của tôi"]
    _assert_no_markup(at)
    assert any("Hướng dẫn" in body and "Tệp" in body for body in _rendered(at))  # the file name, escaped
    assert "javascript:alert(1)" in _plain(at)  # the quoted cell, in the errors table: as plain text
