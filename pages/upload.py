"""Nộp báo cáo: download the pre-filled form, upload returns, see each file's outcome at once.

A file the checks refuse is refused (and recorded) as soon as it is read, with every error
and the marked-up workbook; a file that passes is previewed (what will be stored, with every
warning storing it would give: ``ingest.preview_bytes``) and stored only when confirmed.
Text from a file (its name, cells quoted in messages) is shown as text, never as Markdown. An officer acts only for their own unit
(``expect_district``): a commune of today for periods after 1/7/2025, or a former district for the
periods before; a planner for the units ``can_act_for`` allows — a planner of today's province for
its communes and its predecessors' districts. The period chosen decides which units report it.
"""

from __future__ import annotations

import streamlit as st

from pages import common
from plantrack import views
from plantrack.accounts import can_act_for, home_province, maps_to_act_on, units_to_act_for
from plantrack.annotate import annotation_dir, cached_annotation, issue_rows, value_rows
from plantrack.ingest import check_bytes_bounded, ingest_bytes, preview_bytes
from plantrack.plain import file_name, markdown_text
from plantrack.plans import parse_period
from plantrack.store import StoreFault
from plantrack.template import template_bytes

FROM_CHOICE, FROM_FILE = "choice", "file"
MODE_LABELS = {FROM_CHOICE: "Theo đơn vị và kỳ đã chọn ở bước 1",
               FROM_FILE: "Đọc từ tệp (mỗi tệp ghi đơn vị và kỳ của nó)"}
CHECKED, OUTCOMES, ANNOTATED, EXPECTED = "upload_checked", "upload_outcomes", "upload_annotated", "upload_expected"
FAULTS = "upload_faults"  # file id -> the system error that kept it from being judged (the server's fault)

st.header("Nộp báo cáo")

user = common.current_user()
if not user:
    st.info(f"Hãy **đăng nhập** {common.LOGIN_PLACE} để tải mẫu và nộp báo cáo của huyện, xã, phường.")
    st.stop()

units, plans = common.units(), common.plans()
scope = home_province(user, units) or common.selected_province()  # an admin: the sidebar's province
scope_plan = common.plan_for(scope)
maps = [m for m in maps_to_act_on(user) if m == "pre2025" or scope.map == "2025"]
periods = [p for p in reversed(scope_plan.periods()) if p.map in maps]  # newest first
if not periods or not any(units_to_act_for(user, scope, m, units) for m in maps):
    st.warning("Tài khoản này không được nộp báo cáo cho đơn vị nào của tỉnh đang chọn.")
    st.stop()


@st.cache_data(show_spinner=False, max_entries=64)
def form_bytes(unit_code: str, period_code: str) -> bytes:
    """The pre-filled form: a district's with its own (former) province's plan, a commune's with
    today's province's plan, addressed to Sở Y tế (template.build_template)."""
    unit = units.reporting_unit(unit_code)
    if unit.level == "commune":
        province = units.provinces_2025[unit.parent]
        plan = plans.for_unit(province, units)
    else:
        province = units.provinces[unit.parent]
        plan = plans.for_province(unit.parent)
    return template_bytes(plan, province, unit, plan.period(period_code))


# --- 1. period, unit, form ------------------------------------------------------------------
st.subheader("1. Chọn kỳ báo cáo và đơn vị, tải mẫu")
left, right = st.columns(2)
# the same period as the sidebar's picker: choosing it here chooses it there too
chosen = parse_period(common.selected_period())
st.session_state["upload_period"] = next((p for p in periods if p == chosen), periods[0])
period = left.selectbox("Kỳ báo cáo", periods, format_func=lambda p: p.label, key="upload_period",
                        on_change=lambda: common.set_period(st.session_state["upload_period"].code))
allowed = units_to_act_for(user, scope, period.map, units)
commune = period.map == "2025"
if not allowed:
    st.warning(f"Kỳ {period.label} do các {'xã, phường' if commune else 'huyện'} báo cáo; tài khoản này không "
               "nộp được cho đơn vị nào của kỳ này. Hãy chọn kỳ khác.")
    st.stop()
if st.session_state.get("upload_district") not in allowed:
    st.session_state.pop("upload_district", None)
district = right.selectbox("Xã, phường, đặc khu" if commune else "Huyện, thị xã, thành phố", allowed,
                           format_func=lambda u: u.full_name + (f" ({units.provinces[u.parent].name} cũ)"
                                                                if not commune and scope.map == "2025" else ""),
                           key="upload_district", disabled=len(allowed) == 1)
plan = scope_plan if commune else plans.for_province(district.parent)
st.caption(f"Hạn nộp báo cáo {period.label}: {plan.due_date(period).strftime('%d/%m/%Y')}, gửi "
           f"{views.receiving_office(scope, period.map)}. Mẫu đã ghi sẵn tên tỉnh, "
           f"{'xã, phường' if commune else 'huyện'} và kỳ báo cáo; chỉ nhập vào các ô màu vàng.")
st.download_button("Tải mẫu báo cáo (.xlsx)", form_bytes(district.code, period.code),
                   file_name=f"mau-bao-cao-{district.code}-{period.code}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", on_click="ignore")

# --- 2. files -----------------------------------------------------------------------------
st.subheader("2. Nộp tệp báo cáo")
mode = st.radio("Đơn vị và kỳ báo cáo của tệp", list(MODE_LABELS), format_func=MODE_LABELS.get,
                key="upload_mode", horizontal=True)
# no type= filter: Streamlit would refuse another type in English; the engine refuses it in Vietnamese (file-type)
files = st.file_uploader("Chọn một hoặc nhiều tệp báo cáo (.xlsx, .xlsm, .xls, .ods, .xml)", type=None,
                         accept_multiple_files=True, key="upload_files", max_upload_size=50)  # above the engine's 10 MB: a larger file gets its Vietnamese refusal

for key in (CHECKED, OUTCOMES, ANNOTATED, EXPECTED):
    st.session_state.setdefault(key, {})
present = {f.file_id for f in files}
for key in (CHECKED, OUTCOMES, ANNOTATED, EXPECTED):  # forget files taken out of the list
    for gone in set(st.session_state[key]) - present:
        del st.session_state[key][gone]


def unit_name(unit_code: str | None) -> str:
    """``Huyện Châu Thành (Tỉnh Hậu Giang)``, ``Phường Vị Thanh (Thành phố Cần Thơ)``."""
    u = units.reporting_unit(unit_code or "")
    if u is None:
        return "(không đọc được đơn vị)"
    return f"{u.full_name} ({units.province(u.map, u.parent).full_name})"


def submit(file_id: str, name: str, data: bytes, expect_district: str | None, expect_period: str | None) -> bool:
    """Store the file; False when the system failed (the file was not judged, nothing was stored)."""
    st.session_state[EXPECTED][file_id] = (expect_district, expect_period)
    try:
        st.session_state[OUTCOMES][file_id] = ingest_bytes(
            common.get_store(), data, name, sender=user["username"],
            expect_district=expect_district, expect_period=expect_period,
            check=check_bytes_bounded)  # the file is read again: held to the limits its preview was
    except StoreFault:
        st.session_state.setdefault(FAULTS, {})[file_id] = (
            "**Lỗi của máy chủ, không phải của tệp:** hệ thống đang bận hoặc không ghi được dữ liệu, nên tệp "
            "**chưa được kiểm tra** và chưa có gì được lưu. Hãy thử nộp lại sau ít phút; nếu vẫn lỗi, "
            "báo quản trị hệ thống.")
        return False
    common.clear_caches()
    return True


def plan_of(province_code: str | None, map_: str | None = None):
    """The plan a file's indicators are named from: its province's on the file's own map."""
    if not province_code:
        return plan
    if map_ == "2025" and province_code in units.provinces_2025:
        return plans.for_unit(units.provinces_2025[province_code], units)
    return plans.for_province(province_code)


def show_issues(title: str, issues, kind, province_code: str | None, map_: str | None = None, *, key: str) -> None:
    if issues:
        kind(title)
        common.draw_issues(issue_rows(issues, plan_of(province_code, map_)), key=key)


def show_outcome(file_id: str, name: str, data: bytes) -> None:
    outcome = st.session_state[OUTCOMES][file_id]
    where = f"{unit_name(outcome.district_code)}, {parse_period(outcome.period).label if outcome.period else ''}"
    if outcome.status == "accepted":
        st.success(f"Đã nhận báo cáo {where} — phiên bản {outcome.version}.", icon=":material/check_circle:")
    elif outcome.status == "unchanged":
        st.info(f"Tệp này giống hệt tệp đã nhận trước đây ({where}, phiên bản {outcome.version}); "
                "không tạo phiên bản mới.", icon=":material/info:")
    else:
        expect_district, expect_period = st.session_state[EXPECTED].get(file_id, (None, None))
        if expect_district and any(e.code == "unit-mismatch" and e.cell is None for e in outcome.errors):
            # the engine's message names both districts; say what to do here
            why = ("Tài khoản này chỉ nộp được báo cáo của đơn vị mình: hãy chọn đúng tệp."
                   if user.get("role") == "district" else "Hãy chọn đúng tệp, hoặc chọn lại đơn vị ở bước 1.")
        elif expect_period and outcome.period and outcome.period != expect_period:
            why = (f"Tệp này là báo cáo **{parse_period(outcome.period).label}**, không phải "
                   f"**{parse_period(expect_period).label}** đã chọn ở bước 1. Hãy chọn lại kỳ báo cáo ở bước 1 "
                   "rồi tải tệp lên lại, hoặc chọn **Đọc từ tệp**.")
        else:
            why = "Sửa các lỗi ghi dưới đây (hoặc trong tệp đã đánh dấu lỗi) rồi tải tệp lên lại."
        st.error(f"Không nhận tệp này ({len(outcome.errors)} lỗi); không có số liệu nào của tệp được lưu. {why}",
                 icon=":material/block:")
        common.draw_issues(issue_rows(outcome.errors, plan_of(outcome.province_code, outcome.map)),
                           key=f"issues_{file_id}")
        if not any(i.cell for i in outcome.errors + outcome.warnings):
            return  # nothing in the file to mark: the table says it all
        marked = st.session_state[ANNOTATED].get(file_id)
        if marked is None:
            marked = st.session_state[ANNOTATED][file_id] = cached_annotation(
                annotation_dir(common.get_store().path), data, outcome.errors + outcome.warnings)
        stem = file_name(name).rsplit(".", 1)[0]
        st.download_button("Tải tệp đã đánh dấu lỗi", marked, file_name=f"{stem}-danh-dau-loi.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key=f"marked-{file_id}", icon=":material/download:", on_click="ignore")
    show_issues(f"{len(outcome.warnings)} cảnh báo: báo cáo vẫn được nhận, hãy xem lại các ô này.",
                outcome.warnings if outcome.status != "rejected" else [], st.warning, outcome.province_code,
                outcome.map, key=f"warnings_{file_id}")


def submit_all(pending: list[tuple]) -> None:
    for args in pending:
        submit(*args)


submit_all_slot = st.empty()  # filled once every file has been read
pending: list[tuple] = []
for f in files:
    data = f.getvalue()
    with st.container(border=True):
        st.markdown(f"**Tệp {markdown_text(f.name)}**")
        fault = st.session_state.get(FAULTS, {}).pop(f.file_id, None)
        if fault:
            st.error(fault, icon=":material/dns:")
        if f.file_id not in st.session_state[OUTCOMES]:
            if user.get("role") == "district":
                expect_district = user["district_code"]
            elif mode == FROM_CHOICE:
                expect_district = district.code
            else:
                expect_district = None  # read from the file
            expect_period = period.code if mode == FROM_CHOICE else None
            asked = (expect_district, expect_period)
            seen = st.session_state[CHECKED].get(f.file_id)
            if seen is None or seen[0] != asked:  # what storing it would do, nothing written yet
                seen = st.session_state[CHECKED][f.file_id] = (asked, preview_bytes(
                    common.get_store(), data, f.name, units=units, plans=plans,
                    expect_district=expect_district, expect_period=expect_period))
            preview = seen[1]
            expect_district = expect_district or preview.district_code
            if preview.district_code and not can_act_for(user, preview.district_code, units):
                # a planner's file for a district outside their province
                st.error(f"Tệp này là báo cáo của {unit_name(preview.district_code)}; tài khoản của bạn không được "
                         "nộp báo cáo cho đơn vị này. Tệp không được lưu.", icon=":material/block:")
                continue
            if preview.status == "rejected":  # nothing to confirm: it is refused (and recorded) now, with every error
                if not submit(f.file_id, f.name, data, expect_district, expect_period):
                    st.error(st.session_state[FAULTS].pop(f.file_id), icon=":material/dns:")
                    continue
            else:
                label = parse_period(preview.period).label
                if preview.status == "unchanged":
                    st.info(f"Tệp này giống hệt tệp đã nhận trước đây ({unit_name(preview.district_code)}, {label}, "
                            f"phiên bản {preview.version}); nộp lại sẽ không tạo phiên bản mới.", icon=":material/info:")
                else:
                    st.markdown(f"Báo cáo của **{unit_name(preview.district_code)}**, kỳ **{label}** "
                                f"(sẽ là phiên bản {preview.version}). Kiểm tra số liệu và các cảnh báo dưới đây "
                                "rồi bấm **Nộp báo cáo này**.")
                    st.dataframe(value_rows(preview.values, plan_of(preview.province_code, preview.map)),
                                 hide_index=True, width="stretch")
                show_issues(f"{len(preview.warnings)} cảnh báo khi lưu (báo cáo vẫn được nhận):", preview.warnings,
                            st.warning, preview.province_code, preview.map, key=f"preview_warnings_{f.file_id}")
                args = (f.file_id, f.name, data, expect_district, expect_period)
                st.button("Nộp báo cáo này", key=f"confirm-{f.file_id}", type="primary", on_click=submit, args=args)
                pending.append(args)
                continue
        show_outcome(f.file_id, f.name, data)

if len(pending) > 1:  # a planner dropping in a folder's worth of returns
    submit_all_slot.button(f"Nộp cả {len(pending)} báo cáo đã kiểm tra ở dưới", key="confirm-all", type="primary",
                           on_click=submit_all, args=(pending,))
