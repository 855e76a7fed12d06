"""Every code in returns.md has a Vietnamese message template, and every template renders."""

import re
from pathlib import Path

import pytest

from plantrack.issues import ERROR, TEMPLATES, WARNING, make_issue

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "returns.md"


def spec_codes() -> dict[str, str]:
    if not SPEC.exists():
        pytest.skip("shared/spec/returns.md is not beside the repository")
    rows = re.findall(r"^\|\s*`([a-z-]+)`\s*\|\s*(error|warning)\s*\|", SPEC.read_text(encoding="utf-8"), re.M)
    return dict(rows)


def test_every_code_of_the_contract_has_a_template_of_the_same_kind():
    codes = spec_codes()
    assert len(codes) == 18
    assert set(TEMPLATES) == set(codes)
    for code, kind in codes.items():
        assert TEMPLATES[code][0] == {"error": ERROR, "warning": WARNING}[kind]


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_every_template_renders_vietnamese_without_leftover_fields(code):
    issue = make_issue(code, sheet="BaoCao", cell="F12", indicator="CT01", detail="chi tiết", limit="10 MB",
                       district="Huyện A", province="Tỉnh B", first=2020, last=2025, text="abc", column="Số đạt",
                       hint="gợi ý", numerator=5, denominator=3, num_cell="F12", den_cell="E12", given="1 %",
                       computed="2 %", change="+60 %", previous="1", current="2", received="1/1/2024",
                       due="30/11/2023", period="Năm 2023")
    assert "{" not in issue.message and "}" not in issue.message
    assert issue.where == "BaoCao!F12"
    assert set(issue.to_dict()) == {"code", "sheet", "cell", "indicator", "message"}


@pytest.mark.parametrize("variant", sorted(__import__("plantrack.issues").issues.VARIANTS))
def test_every_variant_renders_under_its_own_code(variant):
    from plantrack.issues import VARIANTS

    code = VARIANTS[variant][0]
    issue = make_issue(code, variant=variant, sheet="BaoCao", cell="A1", sheets="'A', 'B'", where="BaoCao!B4",
                       letterhead="UBND HUYỆN A", letterhead_unit="Huyện A", label_unit="Huyện B", label_cell="C6")
    assert issue.code == code and issue.severity == TEMPLATES[code][0]
    assert "{" not in issue.message and "}" not in issue.message
    with pytest.raises(ValueError):
        make_issue("late", variant=variant)


def test_every_code_of_the_contract_has_one_distinct_vietnamese_name():
    from plantrack.issues import NAMES_VI, name_vi

    assert set(NAMES_VI) == set(spec_codes())
    names = list(NAMES_VI.values())
    assert len(set(names)) == len(names), "two codes would read the same"
    for code, name in NAMES_VI.items():
        assert name and name != code and not re.search(r"[a-z]+-[a-z]+", name)  # Vietnamese, not a code
        assert name_vi(code) == name
    assert name_vi("some-old-code") == "some-old-code" and name_vi(None) == ""
