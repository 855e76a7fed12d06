"""Write every chart of plantrack.charts with sample data to /tmp for a look.

    .venv/bin/python scripts/preview_charts.py [OUTDIR] [--png]

HTML is always written; with ``--png`` PNGs are exported too (needs kaleido
and a Chrome/Chromium; Debian's /usr/bin/chromium is used when present).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plantrack import charts  # noqa: E402

DISTRICTS = [
    ("930", "Thành phố Vị Thanh"),
    ("931", "Thành phố Ngã Bảy"),
    ("932", "Huyện Châu Thành A"),
    ("933", "Huyện Châu Thành"),
    ("934", "Huyện Phụng Hiệp"),
    ("935", "Huyện Vị Thủy"),
    ("936", "Huyện Long Mỹ"),
    ("937", "Thị xã Long Mỹ"),
]
INDICATORS = [
    ("CT01", "families", "Gia đình được cung cấp kiến thức",
     "Gia đình có trẻ em được cung cấp kiến thức, kỹ năng bảo vệ, chăm sóc trẻ em"),
    ("CT02", "students", "Học sinh được giáo dục kỹ năng",
     "Học sinh được giáo dục kiến thức, kỹ năng tự bảo vệ, phòng ngừa xâm hại"),
    ("CT03", "staff", "Cán bộ được tập huấn",
     "Cán bộ làm công tác trẻ em được tập huấn nghiệp vụ bảo vệ trẻ em"),
    ("CT04", "facilities", "Cơ sở trợ giúp trẻ em đạt chuẩn",
     "Cơ sở cung cấp dịch vụ bảo vệ trẻ em đạt chuẩn theo quy định"),
    ("CT05", "children", "Trẻ em có hoàn cảnh đặc biệt được hỗ trợ",
     "Trẻ em có hoàn cảnh đặc biệt được hỗ trợ, can thiệp để hòa nhập cộng đồng"),
    ("CT06", "children", "Trẻ em bị xâm hại được can thiệp",
     "Trẻ em bị xâm hại được phát hiện và can thiệp, hỗ trợ kịp thời"),
    ("CT07", "children", "Trẻ em được đăng ký khai sinh",
     "Trẻ em dưới 5 tuổi được đăng ký khai sinh đúng hạn"),
    ("CT08", "districts", "Huyện có đường dây nóng",
     "Huyện có đường dây nóng, điểm tiếp nhận thông tin về xâm hại trẻ em"),
    ("CT09", "children", "Trẻ em được tư vấn",
     "Trẻ em có nhu cầu được tư vấn tâm lý, pháp lý"),
]


def sample_report(seed: int = 7) -> dict:
    rnd = random.Random(seed)

    def status_of(v: float, j: int) -> str:
        if v >= 100:
            return "achieved"
        if j == 4:
            return "deteriorating"
        return "on_track" if v >= 86 else "needs_acceleration" if v >= 70 else "limited_progress"

    inds = []
    for k, (code, group, short, name) in enumerate(INDICATORS):
        units = []
        for j, (dc, dn) in enumerate(DISTRICTS):
            if (j == 6 and k % 3 == 0) or (code == "CT09" and j != 1):
                units.append({"district_code": dc, "district": dn, "numerator": None,
                              "denominator": None, "value": None, "status": "no_data"})
                continue
            den = rnd.randint(800, 15000)
            v = min(100.0, rnd.uniform(45, 100) - (25 if j == 4 else 0))
            num = round(den * v / 100)
            units.append({"district_code": dc, "district": dn, "numerator": num, "denominator": den,
                          "value": round(100 * num / den, 2),
                          "status": status_of(100 * num / den, j)})
        have = [u for u in units if u["value"] is not None]
        num = sum(u["numerator"] for u in have)
        den = sum(u["denominator"] for u in have)
        no_data = code == "CT09"
        inds.append({
            "code": code, "group": group, "name": name, "short_name": short,
            "kind": "yesno" if code == "CT08" else "ratio",
            "numerator": None if no_data else num, "denominator": None if no_data else den,
            "value": None if no_data else round(100 * num / den, 2), "target": 100,
            "status": "no_data" if no_data else status_of(100 * num / den, k),
            "required": None if no_data else 86.0,
            "previous_value": None if no_data else round(100 * num / den - 3.2, 2),
            "units_reported": len(have), "units_total": len(units), "units": units,
        })
    inds[6].update(value=100.0, numerator=inds[6]["denominator"], status="achieved")
    return {"province_code": "93", "province": "Hậu Giang", "period": "2023", "period_label": "Năm 2023",
            "completeness": {"expected": 8, "received": 7, "on_time": 6}, "indicators": inds}


def sample_trajectory() -> dict:
    vals = {"2020": 40.0, "2021H1": None, "2021": 52.3, "2022H1": 55.0, "2022": 61.2,
            "2023H1": 63.4, "2023": 68.9}
    pts = []
    for p, v in vals.items():
        t = charts.period_t(p)
        st = "baseline" if p == "2020" else "no_data" if v is None else "needs_acceleration"
        pts.append({"period": p, "t": t, "value": v, "status": st})
    return {"code": "CT01", "name": INDICATORS[0][3], "unit": "Hậu Giang", "baseline": 40.0,
            "baseline_year": 2020, "target": 100, "target_year": 2025, "points": pts,
            "projection_year": 2026.4}


PROVINCES = ["Hậu Giang", "Cần Thơ", "An Giang", "Kiên Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau",
             "Vĩnh Long", "Trà Vinh", "Bến Tre", "Đồng Tháp", "Tiền Giang", "Long An"]


def sample_provinces() -> list[dict]:
    rnd = random.Random(3)
    out = []
    for i, name in enumerate(PROVINCES):
        if i in (4, 9):
            out.append({"province_code": str(80 + i), "province": name, "value": None, "status": "no_data",
                        "numerator": None, "denominator": None})
            continue
        den = rnd.randint(20000, 200000)
        v = rnd.uniform(50, 100)
        status = "on_track" if v >= 86 else "needs_acceleration" if v >= 70 else "limited_progress"
        out.append({"province_code": "93" if name == "Hậu Giang" else str(80 + i), "province": name,
                    "value": round(v, 2), "status": "deteriorating" if i == 7 else status,
                    "numerator": round(den * v / 100), "denominator": den})
    return out


def sample_completeness() -> list[dict]:
    rnd = random.Random(5)
    periods = ["2021H1", "2021", "2022H1", "2022", "2023H1", "2023"]
    out = []
    for dc, dn in DISTRICTS:
        for p in periods:
            state = rnd.choices(["on_time", "late", "missing", "refused"], [6, 2, 1, 1])[0]
            out.append({"district_code": dc, "district": dn, "period": p,
                        "period_label": charts.period_label(p), "state": state})
    return out


def figures() -> dict:
    report = sample_report()
    return {
        "progress_bars": charts.progress_bars(report),
        "trajectory": charts.trajectory_chart(sample_trajectory()),
        "district_heatmap": charts.district_heatmap(report),
        "province_ranking": charts.province_ranking(
            sample_provinces(), "CT01 Gia đình được cung cấp kiến thức", highlight="93"),
        "completeness_matrix": charts.completeness_matrix(sample_completeness()),
        "empty_progress": charts.progress_bars({"province": "Hậu Giang", "indicators": []}),
    }


def main(argv: list[str]) -> int:
    png = "--png" in argv
    args = [a for a in argv if a != "--png"]
    out = Path(args[0] if args else "/tmp/plantrack_charts")
    out.mkdir(parents=True, exist_ok=True)
    if png and "BROWSER_PATH" not in os.environ and Path("/usr/bin/chromium").exists():
        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
    for name, fig in figures().items():
        fig.write_html(out / f"{name}.html")
        if png:
            fig.write_image(out / f"{name}.png", width=1100, scale=1)
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
