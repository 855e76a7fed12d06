"""Regenerate data/*.csv: both maps of Vietnam's units and the 2025 concordance.

Source: the MIT-licensed ``vietnamadminunits`` package (PyPI), whose wheel
bundles ``vietnamadminunits/data/dataset.db`` (SQLite).  We read its table
``admin_units_legacy`` -- the 63-province, three-level structure in force
before the 1 July 2025 reform (it reflects 1 January 2025: 63 provinces,
696 district-level units) -- directly with sqlite3.  No network access and
the package is not imported (its import pulls in shapely/geopy).

Usage:
    .venv/bin/python scripts/make_units.py            # writes into <repo>/data
    .venv/bin/python scripts/make_units.py --out DIR  # writes into DIR

It also writes today's map (table ``admin_units``: 34 provinces, 3,321 communes) and the
concordance between the two, from the package's ``converter_2025.json`` (old province ->
new province; old wards -> the new communes, whole or divided), aggregated to old district
-> the communes that now cover it.  See data/README.md.

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


COMMUNE_KINDS = ("Xã", "Phường", "Đặc khu")
# The reform's date is data (units.md): the day the new map came into force.
MAPS = [
    {"map": "pre2025", "name": "63 tỉnh, cấp huyện", "valid_from": "", "valid_to": "2025-06-30"},
    {"map": "2025", "name": "34 tỉnh, cấp xã", "valid_from": "2025-07-01", "valid_to": ""},
]


def read_new_map(db: Path) -> tuple[list[dict], list[dict], dict[str, str], dict[tuple[str, str], str]]:
    """Today's provinces and communes, plus key -> code lookups for the converter."""
    con = sqlite3.connect(f"{db.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        rows = con.execute(
            "SELECT provinceCode, province, provinceShort, provinceKey, wardCode, ward, wardType, wardKey "
            "FROM admin_units").fetchall()
    finally:
        con.close()
    provinces: dict[str, dict] = {}
    communes: dict[str, dict] = {}
    province_key: dict[str, str] = {}
    commune_key: dict[tuple[str, str], str] = {}
    for pcode, pfull, pshort, pkey, code, full, kind, wkey in rows:
        pcode, pfull, pshort, code, full, kind = map(nfc, (pcode, pfull, pshort, code, full, kind))
        pkind = next((k for k in PROVINCE_KINDS if pfull == f"{k} {pshort}"), None)
        if pkind is None:
            raise SourceError(f"province {pcode}: cannot split {pfull!r} / {pshort!r}")
        row = {"code": pcode, "name": pshort, "kind": pkind}
        if provinces.setdefault(pcode, row) != row:
            raise SourceError(f"province {pcode}: conflicting rows")
        province_key[pkey] = pcode
        # Four source rows carry a wardType that contradicts the official name ('Phường Việt
        # Hòa' typed Xã); the name is the official text, so its prefix decides the kind.
        named = next((k for k in COMMUNE_KINDS if full.startswith(k + " ")), None)
        if named is None:
            raise SourceError(f"commune {code}: name {full!r} has no kind prefix")
        kind = named
        if not (len(code) == 5 and code.isdigit()):
            raise SourceError(f"bad commune code {code!r}")
        crow = {"code": code, "province_code": pcode, "name": strip_kind(full, kind, code), "kind": kind}
        if communes.setdefault(code, crow) != crow:
            raise SourceError(f"commune {code}: conflicting rows")
        if (pkey, wkey) in commune_key:
            raise SourceError(f"commune key {pkey}/{wkey} is not unique")
        commune_key[(pkey, wkey)] = code
    return ([provinces[c] for c in sorted(provinces)], [communes[c] for c in sorted(communes)],
            province_key, commune_key)


def read_concordance(db: Path, converter: Path, new_province_key: dict[str, str],
                     commune_key: dict[tuple[str, str], str]) -> tuple[list[dict], list[dict]]:
    """Old province -> new province, and old district -> the communes that now cover it.

    A commune covers a district ``whole`` when every old ward it was made of lay in that
    district; otherwise it covers it in part (it also took wards of another district, or
    the district's ward was divided between communes)."""
    import json

    con = sqlite3.connect(f"{db.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        legacy = con.execute(f"SELECT DISTINCT provinceKey, provinceCode, districtKey, districtCode FROM {TABLE}").fetchall()
    finally:
        con.close()
    old_province = {pk: pc for pk, pc, _, _ in legacy}
    old_district = {(pk, dk): dc for pk, _, dk, dc in legacy}
    data = json.loads(converter.read_text(encoding="utf-8"))

    successions = []
    for new_key, old_keys in data["DICT_PROVINCE"].items():
        for old_key in old_keys:
            successions.append({"old_code": old_province[old_key], "new_code": new_province_key[new_key]})
    if len({s["old_code"] for s in successions}) != len(successions):
        raise SourceError("an old province has several new provinces")

    # commune -> the old districts its old wards came from
    sources: dict[str, set[str]] = {}
    divided: set[str] = set()  # communes that took part of a divided old ward
    for new_pkey, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            code = commune_key[(new_pkey, wkey)]
            for old in olds:
                pk, dk, _ = old.split("_")
                sources.setdefault(code, set()).add(old_district[(pk, dk)])
    for new_pkey, olds in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            pk, dk, _ = old.split("_")
            for part in parts:
                code = commune_key[(new_pkey, part["newWardKey"])]
                sources.setdefault(code, set()).add(old_district[(pk, dk)])
                divided.add(code)
    cover = []
    for code, districts in sources.items():
        for d in districts:
            cover.append({"district_code": d, "commune_code": code,
                          "whole": "1" if len(districts) == 1 and code not in divided else "0"})
    cover.sort(key=lambda r: (r["district_code"], r["commune_code"]))
    successions.sort(key=lambda r: r["old_code"])
    return successions, cover


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
        provinces_2025, communes, pkeys, ckeys = read_new_map(db)
        successions, cover = read_concordance(db, db.parent / "converter_2025.json", pkeys, ckeys)
    except SourceError as e:
        print(f"make_units: {e}", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "provinces.csv").write_bytes(to_csv(provinces, ["code", "name", "kind"]))
    (args.out / "districts.csv").write_bytes(
        to_csv(districts, ["code", "province_code", "name", "kind"])
    )
    (args.out / "maps.csv").write_bytes(to_csv(MAPS, ["map", "name", "valid_from", "valid_to"]))
    (args.out / "provinces_2025.csv").write_bytes(to_csv(provinces_2025, ["code", "name", "kind"]))
    (args.out / "communes.csv").write_bytes(to_csv(communes, ["code", "province_code", "name", "kind"]))
    (args.out / "province_successors.csv").write_bytes(to_csv(successions, ["old_code", "new_code"]))
    (args.out / "district_communes.csv").write_bytes(
        to_csv(cover, ["district_code", "commune_code", "whole"]))
    version = importlib.metadata.version(PACKAGE)
    print(
        f"make_units: {PACKAGE} {version} ({db.name}:{TABLE}) -> {args.out}: "
        f"{len(provinces)} provinces, {len(districts)} districts (old map); "
        f"{len(provinces_2025)} provinces, {len(communes)} communes (new map); "
        f"{len(successions)} successions, {len(cover)} district-commune links",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
