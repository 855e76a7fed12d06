"""The command line: the dashboard's engine without the browser (spec/cli.md).

Exit codes: 0 success, 1 an input was refused, 2 a usage error, 3 the system failed (disk
full, store read-only, busy past its wait or damaged: then no file was judged and nothing
partial was stored). JSON goes to stdout; progress and human messages go to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from plantrack.plans import Period, load_plans, parse_period
from plantrack.store import Store, StoreFault
from plantrack.units import NEW_MAP, OLD_MAP, Unit, load_units, match_commune, match_district, names_a_district


class UsageError(Exception):
    pass


def _say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def resolve_province(text: str) -> Unit:
    """Today's province where one has that name or code, else the former one; '(cũ)' always
    means the former one (units.md)."""
    m = load_units().resolve_province(text)
    if m.unit is None:
        hint = f" ({'nhiều đơn vị' if m.ambiguous else 'gần đúng'}: {', '.join(m.candidates)})" if m.candidates else ""
        raise UsageError(f"không nhận ra tỉnh '{text}'{hint}")
    return m.unit


def resolve_unit(text: str, province: Unit, period: Period) -> Unit:
    """The reporting unit of ``province`` in ``period``: one of its (predecessors') districts for
    an old-map period, one of its communes for a new-map one (units.md)."""
    units = load_units()
    if period.map == NEW_MAP:
        if province.map != NEW_MAP:
            raise UsageError(f"{units.province_label(province)} không còn từ 1/7/2025; hãy chọn tỉnh hiện nay "
                             f"({units.successor(province.code).name})")
        m, what = match_commune(units, text, province.code), "xã, phường"
    else:
        m, what = match_district(units, text, None, pool=units.reporting_units(province, OLD_MAP)), "huyện"
    if m.unit is None:
        hint = f" ({'nhiều đơn vị' if m.ambiguous else 'gần đúng'}: {', '.join(m.candidates)})" if m.candidates else ""
        raise UsageError(f"không nhận ra {what} '{text}' của {province.full_name}{hint}")
    return m.unit


def resolve_district(text: str, province: Unit) -> Unit:
    m = match_district(load_units(), text, None, pool=load_units().reporting_units(province, OLD_MAP))
    if m.unit is None:
        hint = f" ({'nhiều đơn vị' if m.ambiguous else 'gần đúng'}: {', '.join(m.candidates)})" if m.candidates else ""
        raise UsageError(f"không nhận ra huyện '{text}' của {province.full_name}{hint}")
    return m.unit


def resolve_period(text: str, province: Unit | None = None) -> Period:
    p = parse_period(text)
    plans = load_plans()
    plan = plans.for_unit(province, load_units(), p.year if p else None) if province else plans.national_for(p.year if p else None)
    if p is None or not plan.in_range(p):
        raise UsageError(f"kỳ báo cáo '{text}' không hợp lệ (ví dụ: 2023H1, 2023, '6 tháng đầu năm 2023')")
    return plan.period(p)


def _received(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(12, 0))
    except ValueError as exc:
        raise UsageError(f"--received '{text}' không phải ngày YYYY-MM-DD") from exc


# --- commands ----------------------------------------------------------------------------

def cmd_ingest(args, store: Store) -> int:
    from plantrack.accounts import user_exists
    from plantrack.ingest import clean_name, collect_files, ingest_paths
    from plantrack.plain import terminal_text

    for p in args.paths:
        if not Path(p).exists():
            raise UsageError(f"không có tệp hoặc thư mục '{clean_name(p)}'")
    if args.user is not None and not user_exists(store, args.user):
        # the sender of a file may later download it: it must be a real account, not free text
        raise UsageError(f"--user '{clean_name(args.user)}' không phải tài khoản nào (xem: plantrack user list)")
    folder = any(Path(p).is_dir() for p in args.paths)
    skipped: list = []
    files = collect_files(args.paths, follow_links=args.follow_links, skipped=skipped)
    for path, why in skipped:
        _say(f"Bỏ qua {clean_name(str(path))}: {why}")
    total = len(files)

    def progress(n: int, total: int, path: Path) -> None:
        if folder:
            _say(f"[{n}/{total}] {terminal_text(clean_name(str(path)))}")

    marked_dir, taken = _annotation_folder(args.annotate_to) if args.annotate_to else (None, set())
    refused = 0
    counts = {"accepted": 0, "unchanged": 0, "rejected": 0}
    sender = args.user.strip().lower() if args.user else None
    for outcome in ingest_paths(store, args.paths, sender=sender, received=_received(args.received),
                                progress=progress, files=files):
        if args.json:
            print(json.dumps(outcome.to_json(), ensure_ascii=False), flush=True)
        if outcome.status == "system-error":
            _say(f"LỖI HỆ THỐNG khi nạp {outcome.file}: {outcome.message}")
            _say(f"Dừng lại: {sum(counts.values())}/{total} tệp đã xử lý; tệp này và các tệp sau chưa được kiểm tra.")
            return 3
        counts[outcome.status] += 1
        if outcome.status == "rejected":
            refused += 1
            if marked_dir is not None:
                _write_marked(Path(outcome.file), outcome.errors + outcome.warnings, marked_dir, taken)
        if not args.json:
            _print_outcome(outcome)
    _say(f"{total} tệp: {counts['accepted']} được nhận, {counts['unchanged']} không đổi, {counts['rejected']} bị từ chối.")
    return 1 if refused else 0


def _annotation_folder(text: str) -> tuple[Path, set[str]]:
    """The folder annotated copies go to (created), and the names already in it (never overwritten)."""
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"'{text}' không phải là thư mục")
    folder.mkdir(parents=True, exist_ok=True)
    return folder, {p.name.casefold() for p in folder.iterdir()}


def _write_marked(path: Path, issues, folder: Path, taken: set[str]) -> None:
    from plantrack.annotate import write_annotated
    from plantrack.ingest import read_file_bounded
    from plantrack.plain import terminal_text

    try:
        data = read_file_bounded(path)
    except OSError:
        data = b""  # the issues alone, on the Loi sheet
    written = write_annotated(data, issues, folder, path.name, taken)
    _say(f"  tệp đánh dấu lỗi: {terminal_text(written)}")


def cmd_annotate(args, store: Store) -> int:
    """Each refused file's marked-up copy into the output folder; accepted files get none."""
    from plantrack.annotate import write_annotated
    from plantrack.ingest import check_bytes_bounded, collect_files, read_file_bounded
    from plantrack.issues import make_issue
    from plantrack.plain import terminal_text

    for p in args.files:
        if not Path(p).exists():
            raise UsageError(f"không có tệp hoặc thư mục '{p}'")
    folder, taken = _annotation_folder(args.output)
    units, plans = load_units(), load_plans()
    refused = 0
    for path in collect_files(args.files):
        try:
            data = read_file_bounded(path)
        except OSError as exc:
            data, issues = b"", [make_issue("file-type", detail=f"không mở được tệp: {exc.strerror}")]
        else:
            issues = check_bytes_bounded(data, units, plans).issues
        if not any(i.is_error for i in issues):
            _say(f"{terminal_text(path)}: không có lỗi, tệp được nhận; không tạo tệp đánh dấu lỗi.")
            continue
        refused += 1
        _say(f"{terminal_text(path)}: bị từ chối ({sum(i.is_error for i in issues)} lỗi).")
        _say(f"  tệp đánh dấu lỗi: {terminal_text(write_annotated(data, issues, folder, path.name, taken))}")
    return 1 if refused else 0


def _print_outcome(outcome) -> None:
    from plantrack.plain import terminal_text as t  # file names, sheet names and quoted cells: text, not escapes

    word = {"accepted": "NHẬN", "unchanged": "KHÔNG ĐỔI", "rejected": "TỪ CHỐI"}[outcome.status]
    who = ", ".join(x for x in (outcome.district, outcome.province, outcome.period) if x)
    version = f" (phiên bản {outcome.version})" if outcome.version else ""
    print(f"{word}: {t(outcome.file)}{' — ' + who if who else ''}{version}")
    for label, issues in (("lỗi", outcome.errors), ("cảnh báo", outcome.warnings)):
        for i in issues:
            where = f"{t(i.where)} " if i.where else ""
            print(f"  [{label}] {i.code} {where}{('(' + i.indicator + ') ') if i.indicator else ''}{t(i.message)}")


def cmd_report(args, store: Store) -> int:
    from plantrack.measure import province_report

    province = resolve_province(args.province)
    period = resolve_period(args.period, province).code if args.period else None
    report = province_report(store, province, period)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print_report(report)
    return 0


def _print_report(report: dict) -> None:
    from plantrack.charts import EXPORT_DECIMALS, STATUS_LABELS_VI, format_percent

    c = report["completeness"]
    word = "xã, phường" if report.get("unit_level") == "commune" else "huyện"
    print(f"{report.get('province_label') or report['province']} — {report['period_label'] or 'chưa có báo cáo'}")
    for p in report.get("predecessors", []):
        print(f"  hợp nhất từ: {p['province']} ({p['province_code']})")
    print(f"Đã báo cáo: {c['received']}/{c['expected']} {word}, {c['on_time']} đúng hạn")
    for ind in report["indicators"]:
        print(f"  {ind['code']}  {format_percent(ind['value'], EXPORT_DECIMALS):>10}  {STATUS_LABELS_VI.get(ind['status'], ind['status']):<20}"
              f" {ind['units_reported']}/{ind['units_total']} {word}  {ind['short_name']}")


def cmd_template(args, store: Store) -> int:
    from plantrack.template import build_template

    province = resolve_province(args.province)
    period = resolve_period(args.period, province)
    if not (args.unit or args.district):
        raise UsageError("cần --unit (huyện cho kỳ trước 1/7/2025, xã/phường cho kỳ sau)")
    district = resolve_unit(args.unit or args.district, province, period)
    plan = load_plans().for_unit(province, load_units(), period.year)
    if district.map == OLD_MAP:
        # an old-map form is the district's own province's, with that province's plan
        province = load_units().provinces[district.parent]
        plan = load_plans().for_province(province.code, OLD_MAP, period.year)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    build_template(plan, province, district, period).save(out)
    _say(f"Đã ghi mẫu báo cáo {district.full_name}, {period.label}: {out}")
    return 0


def cmd_export(args, store: Store) -> int:
    from plantrack.export import export_report

    province = resolve_province(args.province)
    period = resolve_period(args.period, province)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(export_report(store, province, period.code))
    _say(f"Đã ghi báo cáo tổng hợp {province.full_name}, {period.label}: {out}")
    return 0


def cmd_demo(args, store: Store) -> int:
    from plantrack.demo import build_demo

    summary = build_demo(store, log=_say)
    _say(f"Dữ liệu mẫu: {summary}")
    return 0


def resolve_account_unit(text: str, province: Unit) -> Unit:
    """An officer's unit named with its province: for a province of today one of its communes
    (or, named with a district's prefix or matching no commune, a district of its predecessors:
    a former district's officer keeps its history); for a former province one of its districts."""
    units = load_units()
    if province.map == NEW_MAP and not names_a_district(text):
        m = match_commune(units, text, province.code)
        if m.unit is not None or m.ambiguous:
            if m.unit is None:
                raise UsageError(f"không nhận ra xã, phường '{text}' của {province.full_name} "
                                 f"(nhiều đơn vị: {', '.join(m.candidates)})")
            return m.unit
    return resolve_district(text, province)


def cmd_user_add(args, store: Store) -> int:
    """Create an account; the password is read from standard input (never from the command line).
    ``--province`` names today's province first ('(cũ)' for a former one, units.md); ``--unit``
    (or ``--district``) a commune of today or a former district."""
    from plantrack.accounts import AccountError, create_user

    password = _read_password()
    units = load_units()
    province = resolve_province(args.province) if args.province else None
    unit_text = args.unit or args.district
    if unit_text and not province:
        raise UsageError("--unit (--district) cần kèm --province")
    unit = resolve_account_unit(unit_text, province) if unit_text and province else None
    map_ = unit.map if unit else (province.map if province else None)
    try:
        user = create_user(store, args.username, password, args.role,
                           unit.province_code if unit else (province.code if province else None),
                           unit.code if unit else None, units=units, map_=map_)
    except AccountError as exc:
        raise UsageError(str(exc)) from exc
    _say(f"Đã tạo tài khoản {user['username']} ({user['role']}).")
    return 0


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\n")


def cmd_user_list(args, store: Store) -> int:
    from plantrack.accounts import describe_user, list_users

    users = list_users(store)
    if args.json:
        print(json.dumps([{k: v for k, v in u.items() if k != "created_at"} for u in users], ensure_ascii=False))
    else:
        for u in users:
            print(f"{u['username']}\t{u['map']}\t{describe_user(u)}")
        _say(f"{len(users)} tài khoản.")
    return 0


def cmd_user_passwd(args, store: Store) -> int:
    """Change a password (read from standard input); the account's sessions end everywhere."""
    from plantrack.accounts import AccountError, set_password

    try:
        set_password(store, args.username, _read_password())
    except AccountError as exc:
        raise UsageError(str(exc)) from exc
    _say(f"Đã đổi mật khẩu của {args.username.strip().lower()}; các phiên đăng nhập cũ đã kết thúc.")
    return 0


def cmd_user_remove(args, store: Store) -> int:
    from plantrack.accounts import AccountError, remove_user

    try:
        remove_user(store, args.username)
    except AccountError as exc:
        raise UsageError(str(exc)) from exc
    _say(f"Đã xóa tài khoản {args.username.strip().lower()}.")
    return 0


def cmd_check(args, store: Store) -> int:
    """The store's integrity: 0 when sound, 3 (a damaged store) with the list of problems."""
    from plantrack.backup import check_store

    problems = check_store(store)
    if args.json:
        print(json.dumps({"ok": not problems, "problems": problems}, ensure_ascii=False))
    for p in problems:
        _say(f"[{p['code']}] {p['message']}")
    _say("Cơ sở dữ liệu nhất quán." if not problems else f"{len(problems)} loại lỗi trong cơ sở dữ liệu.")
    return 3 if problems else 0


def cmd_backup(args, store: Store) -> int:
    from plantrack.backup import backup

    backup(store, Path(args.output))
    _say(f"Đã sao lưu {store.path} vào {args.output}")
    return 0


def cmd_restore(args, store: Store) -> int:
    from plantrack.backup import restore

    restore(store, Path(args.file))
    _say(f"Đã khôi phục {store.path} từ {args.file}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plantrack", description="plantrack: theo dõi chỉ tiêu bảo vệ trẻ em")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="tệp cơ sở dữ liệu DuckDB (mặc định data/plantrack.duckdb hoặc PLANTRACK_DB)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", parents=[common], help="tạo cơ sở dữ liệu và nạp báo cáo mẫu")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("ingest", parents=[common], help="nạp tệp báo cáo hoặc thư mục")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", help="người gửi: một tài khoản đã có")
    p.add_argument("--received", help="ngày nhận YYYY-MM-DD (mặc định: hôm nay)")
    p.add_argument("--follow-links", action="store_true", help="đọc cả liên kết tượng trưng trong thư mục")
    p.add_argument("--annotate-to", metavar="DIR", help="ghi tệp đánh dấu lỗi của mỗi tệp bị từ chối vào thư mục này")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("annotate", parents=[common], help="tệp đánh dấu lỗi của các tệp bị từ chối")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="thư mục ghi tệp đánh dấu lỗi")
    p.set_defaults(func=cmd_annotate)

    p = sub.add_parser("report", parents=[common], help="số liệu của tỉnh so với chỉ tiêu")
    p.add_argument("--province", required=True)
    p.add_argument("--period")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("template", parents=[common], help="mẫu báo cáo cho một huyện và kỳ")
    p.add_argument("--province", required=True)
    p.add_argument("--unit", help="huyện (kỳ trước 1/7/2025) hoặc xã, phường, đặc khu (kỳ sau)")
    p.add_argument("--district", help="như --unit")
    p.add_argument("--period", required=True)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("export", parents=[common], help="báo cáo tổng hợp của tỉnh (Excel)")
    p.add_argument("--province", required=True)
    p.add_argument("--period", required=True)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("user", parents=[common], help="tài khoản đăng nhập")
    user_sub = p.add_subparsers(dest="user_command", required=True)
    p = user_sub.add_parser("add", parents=[common], help="tạo tài khoản; mật khẩu đọc từ stdin")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["admin", "province", "district"])
    p.add_argument("--province", help="tỉnh hiện nay (mã hoặc tên); tỉnh cũ ghi thêm '(cũ)'")
    p.add_argument("--unit", help="xã, phường, đặc khu của tỉnh hiện nay, hoặc huyện cũ")
    p.add_argument("--district", help="như --unit")
    p.set_defaults(func=cmd_user_add)
    p = user_sub.add_parser("list", parents=[common], help="các tài khoản")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_user_list)
    p = user_sub.add_parser("passwd", parents=[common], help="đổi mật khẩu; mật khẩu mới đọc từ stdin")
    p.add_argument("username")
    p.set_defaults(func=cmd_user_passwd)
    p = user_sub.add_parser("remove", parents=[common], help="xóa tài khoản")
    p.add_argument("username")
    p.set_defaults(func=cmd_user_remove)

    p = sub.add_parser("check", parents=[common], help="kiểm tra tính nhất quán của cơ sở dữ liệu")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", parents=[common], help="sao lưu cơ sở dữ liệu (kể cả tệp gốc)")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help="khôi phục từ bản sao lưu")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    store = Store(args.db) if args.db else Store()
    try:
        return args.func(args, store)
    except UsageError as exc:
        _say(f"plantrack {args.command}: {exc}")
        return 2
    except StoreFault as exc:
        _say(f"plantrack {args.command}: {exc}")
        return 3
    except Exception as exc:
        from plantrack.backup import BackupError

        if not isinstance(exc, BackupError):
            raise
        _say(f"plantrack {args.command}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
