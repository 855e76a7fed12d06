"""Locating the header block: label forms that real returns use."""

import pytest

from plantrack.layout import _labelled_values


@pytest.mark.parametrize("text, expected", [
    ("Tỉnh: Hậu Giang", [("province", "Hậu Giang")]),
    ("Tỉnh: Hậu Giang   Huyện: Châu Thành", [("province", "Hậu Giang"), ("district", "Châu Thành")]),
    ("Tỉnh: Hậu Giang - Quận/Huyện: Châu Thành; Kỳ báo cáo: Năm 2023",
     [("province", "Hậu Giang"), ("district", "Châu Thành"), ("period", "Năm 2023")]),
    ("Kỳ báo cáo: Năm 2023 (số liệu đến 08:00 ngày 30/11)", [("period", "Năm 2023 (số liệu đến 08:00 ngày 30/11)")]),
    ("Đơn vị báo cáo: UBND huyện Châu Thành", [("unit", "UBND huyện Châu Thành")]),
])
def test_several_labels_in_one_cell(text, expected):
    assert _labelled_values(text) == expected


def test_hidden_rows_and_columns_are_not_what_the_officer_sees():
    from plantrack.layout import visible_part
    from plantrack.workbook import Cell, Sheet

    sheet = Sheet("BaoCao", cells={(1, 1): Cell("old"), (2, 1): Cell("new"), (2, 2): Cell("work")},
                  hidden_rows={1}, hidden_cols={2})
    assert set(visible_part(sheet).cells) == {(2, 1)}
