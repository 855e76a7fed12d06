"""Streamlit glue shared by app.py and the pages: the store, cached engine calls, the selection.

Only app.py and pages/ import streamlit. The Store is one per process (st.cache_resource);
it opens DuckDB per operation, so the command line can load returns at the same time.
Query results are cached with st.cache_data and cleared after every load (clear_caches).
"""

from __future__ import annotations

import streamlit as st

from plantrack import measure
from plantrack.plans import load_plans
from plantrack.store import Store
from plantrack.units import load_units

PROVINCE_KEY = "province"  # session_state and query-string key: province code, e.g. "93"
PERIOD_KEY = "period"  # period code, e.g. "2023" or "2023H1"; None = latest with data
USER_KEY = "user"  # dict(username, role "province"|"district"|"admin", province_code, district_code) or None


@st.cache_resource
def get_store() -> Store:
    return Store()


def units():
    return load_units()


def plans():
    return load_plans()


@st.cache_data(show_spinner=False)
def report(province_code: str, period: str | None) -> dict:
    return measure.province_report(get_store(), province_code, period)


@st.cache_data(show_spinner=False)
def trajectory(unit_code: str, indicator: str) -> dict:
    return measure.trajectory(get_store(), unit_code, indicator)


@st.cache_data(show_spinner=False)
def provinces_comparison(indicator: str, period: str) -> list[dict]:
    return measure.provinces_comparison(get_store(), indicator, period)


@st.cache_data(show_spinner=False)
def completeness_matrix(province_code: str) -> list[dict]:
    return measure.completeness_matrix(get_store(), province_code)


@st.cache_data(show_spinner=False)
def periods_with_data(province_code: str | None) -> list[str]:
    return measure.periods_with_data(get_store(), province_code)


def clear_caches() -> None:
    """Call after every load: the figures must show the new return at once."""
    st.cache_data.clear()


def selected_province() -> str:
    return st.session_state.get(PROVINCE_KEY) or "93"


def selected_period() -> str | None:
    return st.session_state.get(PERIOD_KEY)


def current_user() -> dict | None:
    return st.session_state.get(USER_KEY)
