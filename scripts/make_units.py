"""Regenerate data/provinces.csv and data/districts.csv.

Source: the MIT-licensed ``vietnamadminunits`` package (PyPI), whose wheel
bundles ``vietnamadminunits/data/dataset.db`` (SQLite).  We read its table
``admin_units_legacy`` -- the 63-province, three-level structure in force
before the 1 July 2025 reform (it reflects 1 January 2025: 63 provinces,
696 district-level units) -- directly with sqlite3.  No network access and
the package is not imported (its import pulls in shapely/geopy).

Usage:
    .venv/bin/python scripts/make_units.py            # writes into <repo>/data
    .venv/bin/python scripts/make_units.py --out DIR  # writes into DIR

Output is deterministic: rows sorted by code, UTF-8 without BOM, "\\n" line
endings, names in Unicode NFC.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
import io
import sqlite3
import sys
import unicodedata
from pathlib import Path

PACKAGE = "vietnamadminunits"
TABLE = "admin_units_legacy"
REPO_ROOT = Path(__file__).resolve().parent.parent

PROVINCE_KINDS = ("Tỉnh", "Thành phố")
DISTRICT_KINDS = ("Quận", "Huyện", "Thị xã", "Thành phố")


class SourceError(Exception):
    pass


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s.strip())


def find_dataset() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # locates, does not import
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(
            f"package {PACKAGE!r} is not installed in {sys.executable}; "
            f"install it (pip install {PACKAGE}==1.0.4)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "dataset.db"
    if not path.is_file():
        raise SourceError(f"{path} not found in the installed {PACKAGE}")
    return path


def strip_kind(full: str, kind: str, code: str) -> str:
    """'Huyện Châu Thành' -> 'Châu Thành'.  The prefix match ignores case
    because a few source rows write 'Thành Phố' / 'Thị Xã'."""
    if not full.casefold().startswith(kind.casefold() + " "):
        raise SourceError(f"unit {code}: name {full!r} does not start with {kind!r}")
    name = full[len(kind) + 1 :].strip()
    if not name:
        raise SourceError(f"unit {code}: empty name in {full!r}")
    return name


def read_source(db: Path) -> tuple[list[dict], list[dict]]:
    con = sqlite3.connect(f"{db.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        prov_rows = con.execute(
            f"SELECT DISTINCT provinceCode, province, provinceShort FROM {TABLE}"
        ).fetchall()
        dist_rows = con.execute(
            f"SELECT DISTINCT districtCode, provinceCode, district, districtType FROM {TABLE}"
        ).fetchall()
    finally:
        con.close()

    provinces: dict[str, dict] = {}
    for code, full, short in prov_rows:
        code, full, short = nfc(code), nfc(full), nfc(short)
        kind = next((k for k in PROVINCE_KINDS if full == f"{k} {short}"), None)
        if kind is None:
            raise SourceError(f"province {code}: cannot split {full!r} / {short!r}")
        row = {"code": code, "name": short, "kind": kind}
        if provinces.setdefault(code, row) != row:
            raise SourceError(f"province {code}: conflicting rows {provinces[code]} / {row}")

    districts: dict[str, dict] = {}
    for code, pcode, full, kind in dist_rows:
        code, pcode, full, kind = nfc(code), nfc(pcode), nfc(full), nfc(kind)
        if kind not in DISTRICT_KINDS:
            raise SourceError(f"district {code}: unknown kind {kind!r}")
        # Name is the official full name minus the kind prefix, so that
        # f"{kind} {name}" is always the official full name.  (The source's
        # districtShort adds disambiguators such as 'Long Mỹ (Huyện)' and keeps
        # 'Quận 1' for numbered urban districts; we do not use it.)
        row = {
            "code": code,
            "province_code": pcode,
            "name": strip_kind(full, kind, code),
            "kind": kind,
        }
        if districts.setdefault(code, row) != row:
            raise SourceError(f"district {code}: conflicting rows {districts[code]} / {row}")

    for code in provinces:
        if not (len(code) == 2 and code.isdigit()):
            raise SourceError(f"bad province code {code!r}")
    for d in districts.values():
        if not (len(d["code"]) == 3 and d["code"].isdigit()):
            raise SourceError(f"bad district code {d['code']!r}")
        if d["province_code"] not in provinces:
            raise SourceError(f"district {d['code']}: unknown province {d['province_code']!r}")

    return (
        [provinces[c] for c in sorted(provinces)],
        [districts[c] for c in sorted(districts)],
    )


def to_csv(rows: list[dict], fields: list[str]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "data",
                    help="output directory (default: <repo>/data)")
    args = ap.parse_args(argv)

    try:
        db = find_dataset()
        provinces, districts = read_source(db)
    except SourceError as e:
        print(f"make_units: {e}", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "provinces.csv").write_bytes(to_csv(provinces, ["code", "name", "kind"]))
    (args.out / "districts.csv").write_bytes(
        to_csv(districts, ["code", "province_code", "name", "kind"])
    )
    version = importlib.metadata.version(PACKAGE)
    print(
        f"make_units: {PACKAGE} {version} ({db.name}:{TABLE}) -> {args.out}: "
        f"{len(provinces)} provinces, {len(districts)} districts",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
