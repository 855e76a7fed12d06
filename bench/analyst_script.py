"""The baseline for ingest: what an analyst would write to load a folder of returns by hand.

``python bench/analyst_script.py FOLDER DB --engine openpyxl|calamine``: every .xlsx file read
with ``pandas.read_excel`` (sheet 1, no header), the header block's province, unit and period
and the indicator rows (code, Tổng số, Số đạt) taken from it, and inserted into a DuckDB table
(one connection for the folder, one INSERT … SELECT of the file's frame). No checks, no file
bytes kept, no versions: the honest minimum plantrack is compared with.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import duckdb
import pandas as pd

CODE = re.compile(r"^CT\d\d$")


def load(folder: Path, db: Path, engine: str) -> int:
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE IF NOT EXISTS vals (file VARCHAR, province VARCHAR, unit VARCHAR, period VARCHAR, "
                "indicator VARCHAR, denominator VARCHAR, numerator VARCHAR)")
    n = 0
    for path in sorted(folder.rglob("*.xlsx")):
        df = pd.read_excel(path, engine=engine, header=None, sheet_name=0, dtype=object)
        cells = df.values.tolist()
        head = {str(r[1]).strip().rstrip(":"): r[2] for r in cells[:9] if len(r) > 2 and isinstance(r[1], str)}
        header_row = next(i for i, r in enumerate(cells) if "Mã chỉ tiêu" in [str(x) for x in r])
        cols = [str(x) for x in cells[header_row]]
        c_code, c_den, c_num = cols.index("Mã chỉ tiêu"), cols.index("Tổng số"), cols.index("Số đạt")
        rows = [(str(path), head.get("Tỉnh/Thành phố"), head.get("Huyện/Thị xã/Thành phố") or head.get("Xã/Phường/Đặc khu"),
                 head.get("Kỳ báo cáo"), r[c_code], None if pd.isna(r[c_den]) else str(r[c_den]),
                 None if pd.isna(r[c_num]) else str(r[c_num]))
                for r in cells[header_row + 1:] if isinstance(r[c_code], str) and CODE.match(r[c_code])]
        frame = pd.DataFrame(rows, columns=["file", "province", "unit", "period", "indicator", "denominator", "numerator"])
        con.execute("INSERT INTO vals SELECT * FROM frame")
        n += 1
    con.close()
    return n


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("db", type=Path)
    ap.add_argument("--engine", choices=["openpyxl", "calamine"], default="openpyxl")
    args = ap.parse_args()
    print(load(args.folder, args.db, args.engine))
