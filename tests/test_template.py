"""The return form: what a district downloads, and that it reads back exactly."""

import io

from openpyxl import load_workbook

from helpers import full_values, make_return
from plantrack.ingest import check_bytes
from plantrack.template import COL_DEN, COL_NUM, FIRST_ROW, SHEET


def _book(values=None, district="933", period="2024H1"):
    return load_workbook(io.BytesIO(make_return(district, period, values)))


def test_header_block_and_one_row_per_plan_indicator():
    ws = _book()[SHEET]
    assert ws["C6"].value == "Tỉnh Hậu Giang" and ws["C7"].value == "Huyện Châu Thành"
    assert ws["C8"].value == "6 tháng đầu năm 2024"
    codes = [ws.cell(FIRST_ROW + i, 2).value for i in range(8)]
    assert codes == [f"CT0{i}" for i in range(1, 9)]


def test_hai_phong_forms_carry_ct09():
    ws = _book(district="311", period="2023")[SHEET]
    assert [ws.cell(FIRST_ROW + i, 2).value for i in range(9)][-1] == "CT09"


def test_only_input_cells_are_unlocked_and_the_sheet_is_protected():
    ws = _book()[SHEET]
    assert ws.protection.sheet
    assert not ws.cell(FIRST_ROW, COL_DEN).protection.locked and not ws.cell(FIRST_ROW, COL_NUM).protection.locked
    assert ws.cell(FIRST_ROW, 2).protection.locked and ws["C6"].protection.locked
    ct08 = FIRST_ROW + 7
    assert ws.cell(ct08, COL_DEN).protection.locked and not ws.cell(ct08, COL_NUM).protection.locked


def test_data_validation_whole_numbers_and_yes_no():
    ws = _book()[SHEET]
    kinds = {dv.type: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert "E11" in kinds["whole"] and "F11" in kinds["whole"]
    assert kinds["list"] == "F18"
    yes_no = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert yes_no.formula1 == '"Có,Không"'


def test_ratio_formula_and_instructions_sheet():
    wb = _book()
    assert wb[SHEET]["G11"].value.startswith("=IF(")
    assert "HƯỚNG DẪN" in wb["HuongDan"]["A1"].value


def test_a_filled_form_reads_back_exactly():
    values = full_values("933")
    checked = check_bytes(make_return("933", "2024H1", values))
    assert not checked.errors
    for code, (den, num) in values.items():
        v = checked.values[code]
        assert (v.numerator, v.denominator) == ((1, 1) if code == "CT08" else (num, den))


def test_an_empty_form_is_accepted_with_every_indicator_not_reported():
    checked = check_bytes(make_return("933", "2024H1", {}))
    assert not checked.errors
    assert sorted(w.indicator for w in checked.warnings if w.code == "not-reported") == [f"CT0{i}" for i in range(1, 9)]


def test_the_fast_form_writer_reads_exactly_as_the_openpyxl_form():
    # the demo writes its ~1,900 forms by patching one openpyxl form per plan and period
    from plantrack.plans import load_plans
    from plantrack.template import FormWriter, template_bytes
    from plantrack.units import load_units

    units, plans = load_units(), load_plans()
    writer = FormWriter()
    cases = [(units.provinces["93"], units.districts["933"], plans.for_province("93"), "2024H1"),
             (units.provinces["93"], units.districts["930"], plans.for_province("93"), "2024H1"),  # same skeleton
             (units.provinces["93"], units.districts["930"], plans.for_province("93"), "2021"),  # another period
             (units.provinces["31"], units.districts["311"], plans.for_province("31"), "2023")]
    can_tho = units.provinces_2025["92"]
    cases.append((can_tho, units.communes_of("92")[0], plans.for_unit(can_tho, units), "2025"))
    for province, unit, plan, period in cases:
        p = plan.period(period)
        values = {i.code: ((None, "Không") if i.is_yesno else (1234 + n, 56 * n)) for n, i in enumerate(plan.indicators)}
        values[plan.indicators[2].code] = (None, None)  # not reported: an empty cell, never zero
        values[plan.indicators[3].code] = ("1.234", "12 3")  # text a district typed
        slow = check_bytes(template_bytes(plan, province, unit, p, values=values))
        fast_bytes = writer.form_bytes(plan, province, unit, p, values)
        fast = check_bytes(fast_bytes)
        assert (fast.district_code, fast.province_code, fast.period, fast.values) == \
            (slow.district_code, slow.province_code, slow.period, slow.values)
        assert [(i.code, i.cell, i.message) for i in fast.issues] == [(i.code, i.cell, i.message) for i in slow.issues]
        assert fast_bytes == writer.form_bytes(plan, province, unit, p, values)  # deterministic
