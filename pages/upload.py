"""Nộp báo cáo: download the pre-filled form, upload returns, see each file's outcome at once.

A file the checks refuse is refused (and recorded) as soon as it is read, with every error
and the marked-up workbook; a file that passes is previewed (what will be stored, with every
warning storing it would give: ``ingest.preview_bytes``) and stored only when confirmed.
Text from a file (its name, cells quoted in messages) is shown as text, never as Markdown. A district officer acts only for their own district
(``expect_district``); a planner for the districts ``can_act_for`` allows.
"""

from __future__ import annotations

import streamlit as st

from pages import common
from plantrack.accounts import can_act_for
from plantrack.annotate import annotation_dir, cached_annotation, issue_rows, value_rows
from plantrack.ingest import ingest_bytes, preview_bytes
from plantrack.plain import file_name, markdown_text
from plantrack.plans import parse_period
from plantrack.store import StoreFault
from plantrack.template import template_bytes

FROM_CHOICE, FROM_FILE = "choice", "file"
MODE_LABELS = {FROM_CHOICE: "Theo huyện và kỳ đã chọn ở bước 1", FROM_FILE: "Đọc từ tệp (mỗi tệp ghi huyện và kỳ của nó)"}
CHECKED, OUTCOMES, ANNOTATED, EXPECTED = "upload_checked", "upload_outcomes", "upload_annotated", "upload_expected"
FAULTS = "upload_faults"  # file id -> the system error that kept it from being judged (the server's fault)

st.header("Nộp báo cáo")

user = common.current_user()
if not user:
    st.info("Hãy **đăng nhập** ở thanh bên trái để tải mẫu và nộp báo cáo của huyện.")
    st.stop()

units, plans = common.units(), common.plans()
scope = user.get("province_code") or common.selected_province()
allowed = [d for d in units.districts_of(scope) if can_act_for(user, d.code, units)]
if not allowed:
    st.warning("Tài khoản này không được nộp báo cáo cho huyện nào của tỉnh đang chọn.")
    st.stop()


@st.cache_data(show_spinner=False, max_entries=64)
def form_bytes(district_code: str, period_code: str) -> bytes:
    district = units.districts[district_code]
    return template_bytes(plans.for_province(district.province_code), units.provinces[district.province_code],
                          district, parse_period(period_code))


# --- 1. district, period, form ------------------------------------------------------------
st.subheader("1. Chọn huyện và kỳ báo cáo, tải mẫu")
left, right = st.columns(2)
district = left.selectbox("Huyện, thị xã, thành phố", allowed, format_func=lambda d: d.full_name,
                          key="upload_district", disabled=len(allowed) == 1)
plan = plans.for_province(district.province_code)
periods = list(reversed(plan.periods()))  # newest first
# the same period as the sidebar's picker: choosing it here chooses it there too
chosen = parse_period(common.selected_period())
st.session_state["upload_period"] = chosen if chosen in periods else periods[0]
period = right.selectbox("Kỳ báo cáo", periods, format_func=lambda p: p.label, key="upload_period",
                         on_change=lambda: common.set_period(st.session_state["upload_period"].code))
st.caption(f"Hạn nộp báo cáo {period.label}: {plan.due_date(period).strftime('%d/%m/%Y')}. "
           "Mẫu đã ghi sẵn tên tỉnh, huyện và kỳ báo cáo; chỉ nhập vào các ô màu vàng.")
st.download_button("Tải mẫu báo cáo (.xlsx)", form_bytes(district.code, period.code),
                   file_name=f"mau-bao-cao-{district.code}-{period.code}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", on_click="ignore")

# --- 2. files -----------------------------------------------------------------------------
st.subheader("2. Nộp tệp báo cáo")
mode = st.radio("Huyện và kỳ báo cáo của tệp", list(MODE_LABELS), format_func=MODE_LABELS.get,
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


def unit_name(district_code: str | None) -> str:
    d = units.districts.get(district_code or "")
    return f"{d.full_name} ({units.provinces[d.province_code].full_name})" if d else "(không đọc được huyện)"


def submit(file_id: str, name: str, data: bytes, expect_district: str | None, expect_period: str | None) -> bool:
    """Store the file; False when the system failed (the file was not judged, nothing was stored)."""
    st.session_state[EXPECTED][file_id] = (expect_district, expect_period)
    try:
        st.session_state[OUTCOMES][file_id] = ingest_bytes(
            common.get_store(), data, name, sender=user["username"],
            expect_district=expect_district, expect_period=expect_period)
    except StoreFault:
        st.session_state.setdefault(FAULTS, {})[file_id] = (
            "**Lỗi của máy chủ, không phải của tệp:** hệ thống đang bận hoặc không ghi được dữ liệu, nên tệp "
            "**chưa được kiểm tra** và chưa có gì được lưu. Hãy thử nộp lại sau ít phút; nếu vẫn lỗi, "
            "báo quản trị hệ thống.")
        return False
    common.clear_caches()
    return True


def plan_of(province_code: str | None):
    return plans.for_province(province_code or district.province_code)


def show_issues(title: str, issues, kind, province_code: str | None) -> None:
    if issues:
        kind(title)
        st.dataframe(issue_rows(issues, plan_of(province_code)), hide_index=True, width="stretch")


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
                   if user.get("role") == "district" else "Hãy chọn đúng tệp, hoặc chọn lại huyện ở bước 1.")
        elif expect_period and outcome.period and outcome.period != expect_period:
            why = (f"Tệp này là báo cáo **{parse_period(outcome.period).label}**, không phải "
                   f"**{parse_period(expect_period).label}** đã chọn ở bước 1. Hãy chọn lại kỳ báo cáo ở bước 1 "
                   "rồi tải tệp lên lại, hoặc chọn **Đọc từ tệp**.")
        else:
            why = "Sửa các lỗi ghi dưới đây (hoặc trong tệp đã đánh dấu lỗi) rồi tải tệp lên lại."
        st.error(f"Không nhận tệp này ({len(outcome.errors)} lỗi); không có số liệu nào của tệp được lưu. {why}",
                 icon=":material/block:")
        st.dataframe(issue_rows(outcome.errors, plan_of(outcome.province_code)), hide_index=True, width="stretch")
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
                outcome.warnings if outcome.status != "rejected" else [], st.warning, outcome.province_code)


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
                    st.dataframe(value_rows(preview.values, plan_of(preview.province_code)), hide_index=True,
                                 width="stretch")
                show_issues(f"{len(preview.warnings)} cảnh báo khi lưu (báo cáo vẫn được nhận):", preview.warnings,
                            st.warning, preview.province_code)
                args = (f.file_id, f.name, data, expect_district, expect_period)
                st.button("Nộp báo cáo này", key=f"confirm-{f.file_id}", type="primary", on_click=submit, args=args)
                pending.append(args)
                continue
        show_outcome(f.file_id, f.name, data)

if len(pending) > 1:  # a planner dropping in a folder's worth of returns
    submit_all_slot.button(f"Nộp cả {len(pending)} báo cáo đã kiểm tra ở dưới", key="confirm-all", type="primary",
                           on_click=submit_all, args=(pending,))
