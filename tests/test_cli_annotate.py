"""``plantrack annotate FILE... -o DIR`` and ``plantrack ingest PATH... --annotate-to DIR`` (cli.md):
each refused file's marked-up copy, nothing live in it, names cleaned and unique; accepted
files get none; exit 0 ok, 1 an input refused, 2 usage."""

from __future__ import annotations

import shutil
from pathlib import Path

from plantrack.cli import main
from tests.helpers import full_values, make_return
from tests.live_content import live_content

HOSTILE = Path(__file__).resolve().parent / "hostile" / "files"


def _bad() -> bytes:
    values = full_values("933")
    values["CT01"] = (100, 150)
    return make_return("933", "2023", values)


def _good() -> bytes:
    return make_return("933", "2023", full_values("933"))


def test_annotate_writes_a_copy_for_each_refused_file_only(tmp_path, capsys):
    (tmp_path / "sai.xlsx").write_bytes(_bad())
    (tmp_path / "dung.xlsx").write_bytes(_good())
    shutil.copy(HOSTILE / "live-formulas.xlsx", tmp_path / "cong-thuc.xlsx")
    out = tmp_path / "out"
    code = main(["annotate", str(tmp_path / "sai.xlsx"), str(tmp_path / "dung.xlsx"), str(tmp_path / "cong-thuc.xlsx"),
                 "-o", str(out), "--db", str(tmp_path / "x.duckdb")])
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["cong-thuc-danh-dau-loi.xlsx", "sai-danh-dau-loi.xlsx"]
    for p in out.iterdir():
        assert live_content(p.read_bytes()) == [], p.name
    err = capsys.readouterr().err
    assert "dung.xlsx: không có lỗi" in err and "không tạo tệp đánh dấu lỗi" in err
    assert not (tmp_path / "x.duckdb").exists()  # nothing stored


def test_annotate_of_accepted_files_only_exits_0_and_writes_nothing(tmp_path):
    (tmp_path / "dung.xlsx").write_bytes(_good())
    assert main(["annotate", str(tmp_path / "dung.xlsx"), "-o", str(tmp_path / "out")]) == 0
    assert list((tmp_path / "out").iterdir()) == []


def test_annotate_usage_errors_exit_2(tmp_path):
    assert main(["annotate", str(tmp_path / "khong-co.xlsx"), "-o", str(tmp_path / "out")]) == 2
    assert main(["annotate", str(tmp_path)]) == 2  # -o is required
    (tmp_path / "tep").write_bytes(b"")
    (tmp_path / "sai.xlsx").write_bytes(_bad())
    assert main(["annotate", str(tmp_path / "sai.xlsx"), "-o", str(tmp_path / "tep")]) == 2  # not a folder


def test_output_names_are_cleaned_and_unique(tmp_path):
    inbox = tmp_path / "inbox"
    for folder in ("a", "b"):
        (inbox / folder).mkdir(parents=True)
        (inbox / folder / "bao cao.xlsx").write_bytes(_bad())
    (inbox / "a" / "x\x1b[31m\u202e\nsai.xlsx").write_bytes(_bad())
    out = tmp_path / "out"
    out.mkdir()
    (out / "bao cao-danh-dau-loi.xlsx").write_bytes(b"kept")  # never overwritten
    assert main(["annotate", str(inbox), "-o", str(out)]) == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == ["bao cao-danh-dau-loi-2.xlsx", "bao cao-danh-dau-loi-3.xlsx", "bao cao-danh-dau-loi.xlsx",
                     "x[31msai-danh-dau-loi.xlsx"]
    assert (out / "bao cao-danh-dau-loi.xlsx").read_bytes() == b"kept"


def test_ingest_annotate_to_writes_refused_files_copies(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "sai.xlsx").write_bytes(_bad())
    (inbox / "dung.xlsx").write_bytes(_good())
    shutil.copy(HOSTILE / "live-formulas.xlsx", inbox / "cong-thuc.xlsx")
    out = tmp_path / "danh-dau"
    code = main(["ingest", str(inbox), "--annotate-to", str(out), "--db", str(tmp_path / "s.duckdb"),
                 "--received", "2023-11-01"])
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["cong-thuc-danh-dau-loi.xlsx", "sai-danh-dau-loi.xlsx"]
    assert all(live_content(p.read_bytes()) == [] for p in out.iterdir())
    assert "tệp đánh dấu lỗi" in capsys.readouterr().err


def test_file_text_cannot_drive_the_terminal(tmp_path, capsys):
    """A file name with an escape sequence is printed cleaned of it, and cells with tabs and line
    breaks (the hostile ``control-chars.xlsx``) print as visible escapes, on stdout and stderr alike."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(HOSTILE / "control-chars.xlsx", inbox / "x\x1b[2J\u202e.xlsx")
    out = tmp_path / "out"
    assert main(["ingest", str(inbox), "--db", str(tmp_path / "s.duckdb"), "--annotate-to", str(out)]) == 1
    assert main(["annotate", str(inbox), "-o", str(out)]) == 1
    printed = capsys.readouterr()
    for text in (printed.out, printed.err):
        assert "\x1b" not in text and "\u202e" not in text
    message = next(line for line in printed.out.splitlines() if "unit-unknown" in line)
    assert "\t" not in message and "\\t" in message
    # the file name is cleaned of its escape sequence and bidi override before it is printed (issue 7)
    assert f"{inbox.name}/x.xlsx" in printed.out
