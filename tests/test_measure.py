"""Province figures: Σ numerators ÷ Σ denominators, not-reported never zero, statuses, completeness."""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import full_values, load, new_store
from plantrack import measure
from plantrack.store import Store

HG = ["930", "931", "932", "933", "934", "935", "936", "937"]


def test_province_value_is_ratio_of_sums_not_mean_of_percentages(tmp_path):
    store = new_store(tmp_path)
    a, b = full_values("930"), full_values("931")
    a["CT01"] = (1000, 900)   # 90 %
    b["CT01"] = (100, 10)     # 10 %  — mean of percentages would say 50 %
    load(store, "930", "2023", a)
    load(store, "931", "2023", b)
    ct01 = next(i for i in measure.province_report(store, "93", "2023")["indicators"] if i["code"] == "CT01")
    assert (ct01["numerator"], ct01["denominator"]) == (910, 1100)
    assert ct01["value"] == round(100 * 910 / 1100, 2)
    assert (ct01["units_reported"], ct01["units_total"]) == (2, 8)


def test_not_reported_districts_are_left_out_never_counted_as_zero(tmp_path):
    store = new_store(tmp_path)
    a, b = full_values("930"), full_values("931")
    b["CT02"] = (None, None)
    load(store, "930", "2023", a)
    load(store, "931", "2023", b)
    report = measure.province_report(store, "93", "2023")
    ct02 = next(i for i in report["indicators"] if i["code"] == "CT02")
    assert (ct02["numerator"], ct02["denominator"], ct02["units_reported"]) == (a["CT02"][1], a["CT02"][0], 1)
    missing = {u["district_code"]: u for u in ct02["units"]}["931"]
    assert missing["value"] is None and missing["status"] == "no_data"
    assert report["completeness"] == {"expected": 8, "received": 2, "on_time": 2}


def test_ct08_is_districts_answering_co_over_districts_answering(tmp_path):
    store = new_store(tmp_path)
    for code, answer in zip(["930", "931", "932", "933"], ["Có", "Không", "x", None]):
        v = full_values(code)
        v["CT08"] = (None, answer)
        load(store, code, "2023", v)
    ct08 = next(i for i in measure.province_report(store, "93", "2023")["indicators"] if i["code"] == "CT08")
    assert (ct08["numerator"], ct08["denominator"], ct08["units_reported"]) == (2, 3, 3)


def test_status_uses_the_earliest_annual_value_as_baseline(tmp_path):
    store = new_store(tmp_path)
    for period, num in [("2020H1", 10), ("2020", 40), ("2022", 64)]:  # baseline 40 in 2020; line: 64 in 2022
        v = full_values("930")
        v["CT01"] = (100, num)
        load(store, "930", period, v)
    report = measure.province_report(store, "93", "2022")
    ct01 = next(i for i in report["indicators"] if i["code"] == "CT01")
    assert ct01["status"] == "on_track" and ct01["required"] == 64.0 and ct01["previous_value"] == 40.0
    assert measure.province_report(store, "93", "2020")["indicators"][0]["status"] == "baseline"
    traj = measure.trajectory(store, "93", "CT01")
    assert traj["baseline"] == 40.0 and traj["baseline_year"] == 2020
    assert traj["projection_year"] == pytest.approx(2025.0)
    assert [p["value"] for p in traj["points"][:5]] == [10.0, 40.0, None, None, None]


def test_latest_period_is_reported_by_default_and_an_empty_province_has_no_data(tmp_path):
    store = new_store(tmp_path)
    load(store, "930", "2021")
    load(store, "930", "2022H1")
    assert measure.province_report(store, "93")["period"] == "2022H1"
    empty = measure.province_report(store, "31")
    assert empty["period"] is None and all(i["status"] == "no_data" for i in empty["indicators"])
    assert empty["completeness"]["received"] == 0


def test_completeness_matrix_states(tmp_path):
    store = new_store(tmp_path)
    load(store, "930", "2020H1", received=dt.datetime(2020, 5, 1))
    load(store, "931", "2020H1", received=dt.datetime(2020, 6, 1))
    bad = full_values("932")
    bad["CT01"] = (1, 2)
    load(store, "932", "2020H1", bad)
    rows = {(r["district_code"], r["period"]): r["state"] for r in measure.completeness_matrix(store, "93")}
    assert rows[("930", "2020H1")] == "on_time"
    assert rows[("931", "2020H1")] == "late"
    assert rows[("932", "2020H1")] == "refused"
    assert rows[("933", "2020H1")] == "missing"


# --- property: Σ-based province values equal a direct recomputation -----------------------

_counts = st.integers(0, 10**7)
_district_values = st.one_of(st.none(), st.tuples(_counts, _counts).map(lambda t: (max(t), min(t))))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(HG), st.dictionaries(st.sampled_from(["CT01", "CT02", "CT07"]), _district_values), max_size=8))
def test_province_values_equal_a_direct_recomputation(tmp_path_factory, data):
    store = Store(tmp_path_factory.mktemp("prop") / "p.duckdb")
    ids = itertools.count(1)
    with store.transaction() as con:
        for district, values in data.items():
            rid = next(ids)
            con.execute("INSERT INTO returns (id, province_code, district_code, period, version, receipt_id, sha256, received_at, on_time) "
                        "VALUES (?, '93', ?, '2023', 1, ?, 'x', now(), true)", [rid, district, rid])
            for code, pair in values.items():
                den, num = pair if pair else (None, None)
                con.execute("INSERT INTO return_values VALUES (?, ?, ?, ?)", [rid, code, num, den])
    report = measure.province_report(store, "93", "2023")
    for ind in report["indicators"]:
        pairs = [v[ind["code"]] for v in data.values() if v.get(ind["code"])]
        num = sum(p[1] for p in pairs)
        den = sum(p[0] for p in pairs)
        assert ind["units_reported"] == len(pairs)
        if not pairs:
            assert ind["value"] is None and ind["numerator"] is None
        else:
            assert (ind["numerator"], ind["denominator"]) == (num, den)
            assert ind["value"] == (round(100 * num / den, 2) if den else None)
