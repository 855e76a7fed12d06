"""The real app in a real browser: `streamlit run app.py` on a free loopback port, driven by
Playwright with the system's Debian chromium (never a downloaded browser).

Opens every page the router lists, logs in as a district officer, uploads a good and a bad
return and reads what the officer reads; follows issue #9's "done means" on today's map (a Sở Y tế
planner of today's Cần Thơ sees 2020–2025 as one series over its three predecessors, the 2025
communes' completeness, downloads a commune form that a commune officer fills and uploads, and
exports the consolidated report; former Hậu Giang's history is still there); a login lasts across reloads and tabs (its HttpOnly
cookie) and logging out ends it everywhere, the copied cookie included. Screenshots go to tests/e2e/screenshots/
(gitignored) for a human to look at. Every wait is bounded; the server is always stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from plantrack.accounts import ensure_demo_users
from plantrack.store import Store
from plantrack.units import load_units
from tests.helpers import full_values, load, make_return

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT = 90  # seconds for the server to answer
STEP_TIMEOUT = 60_000  # milliseconds for any one thing to appear in the page
EXPECTED_PAGES = 11  # app.py: "Theo dõi" 5, "Báo cáo" 4 (Đơn vị của tôi first), "Kế hoạch" 2
NAV_LINKS = '.st-key-navigation a'  # app.py draws the sidebar's links itself (they carry the query string)
# file content is shown in st.dataframe (plain text, never Markdown); its grid keeps the cell text in the DOM
TABLES = '[data-testid="stTable"], [data-testid="stDataFrame"]'

if not CHROMIUM.exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed: apt-get install chromium",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer in {START_TIMEOUT}s:\n{log.read_text(errors='replace')[-3000:]}")


VI_THANH = "31321"  # Phường Vị Thanh, today's Cần Thơ: the commune officer xa31321's


@pytest.fixture(scope="module")
def prepared_db(tmp_path_factory) -> Path:
    """A small store: the districts of former Cần Thơ, Hậu Giang and Sóc Trăng for 2023 and 2024
    (Châu Thành's 2024 still to send), a dozen communes of today's Cần Thơ for 2025 (Phường Vị
    Thanh's still to send), demo accounts."""
    path = tmp_path_factory.mktemp("e2e") / "e2e.duckdb"
    store = Store(path)
    units = load_units()
    for old in ("92", "93", "94"):
        for n, d in enumerate(units.districts_of(old)):
            for period, year in (("2023", 2023), ("2024", 2024)):
                if d.code == "933" and period == "2024":
                    continue  # the officer's return still to send
                values = {c: (den * (year - 2021), num * (year - 2021) + n) if den else (den, num)
                          for c, (den, num) in full_values(d.code).items()}
                assert load(store, d.code, period, values, received=dt.datetime(year, 11, 20)).status == "accepted"
    communes = [c for c in units.communes_of("92") if c.code != VI_THANH][::8]
    for n, c in enumerate(communes):
        values = {k: (den * 4, min(den * 4, num * 4 + 10 * n)) if den else (den, num)
                  for k, (den, num) in full_values(c.code).items()}
        assert load(store, c.code, "2025", values, received=dt.datetime(2025, 11, 10 + n % 18)).status == "accepted"
    ensure_demo_users(store)
    return path


@pytest.fixture(scope="module")
def server(prepared_db, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit.log"
    env = {**os.environ, "PLANTRACK_DB": str(prepared_db), "BROWSER_PATH": str(CHROMIUM)}
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--global.developmentMode", "false"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=STEP_TIMEOUT)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@contextlib.contextmanager
def _shot_on_failure(page, name: str):
    """On any failure, keep what the browser showed (for a human to look at)."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"failed-{name}.png"), full_page=True, timeout=10_000)
        raise


def _settle(page) -> None:
    """Wait until the script has finished running (no 'Running…' status) and the page has content."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=STEP_TIMEOUT)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stVerticalBlock"]', timeout=STEP_TIMEOUT)
    deadline = time.monotonic() + STEP_TIMEOUT / 1000
    while time.monotonic() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count() == 0:
            break
        page.wait_for_timeout(200)
    page.wait_for_timeout(300)


def _shot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the viewport grows to fit it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], '
        + '[data-testid="stAppViewContainer"], [data-testid="stSidebarContent"]')].map(e => e.scrollHeight), 0)""")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 8000))})
    page.wait_for_timeout(500)
    try:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    finally:
        page.set_viewport_size(size)


def _nav_links(page, base: str) -> dict[str, str]:
    """Page title -> URL, as the sidebar's links (app.py's draw_navigation) list them."""
    page.wait_for_function(f"() => document.querySelectorAll('{NAV_LINKS}').length > 0", timeout=STEP_TIMEOUT)
    links = page.locator(NAV_LINKS)
    out = {}
    for i in range(links.count()):
        a = links.nth(i)
        href = a.get_attribute("href") or ""
        title = a.inner_text().strip().splitlines()[-1].strip()  # the icon's ligature name comes first
        out[title] = href if href.startswith("http") else base + "/" + href.lstrip("/")
    return out


def _login(page, username: str, password: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label(re.compile(r"Tên đăng nhập|Tài khoản", re.I)).fill(username)
    sidebar.get_by_label(re.compile(r"Mật khẩu", re.I)).fill(password)
    sidebar.get_by_role("button", name=re.compile(r"^Đăng nhập$", re.I)).click()
    page.get_by_text(re.compile(username)).first.wait_for(timeout=STEP_TIMEOUT)
    _settle(page)


def _upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data}])


def _go(page, title: str) -> None:
    """Follow the sidebar link (as a planner does; a reload would keep the login too, through its cookie)."""
    links = page.locator(NAV_LINKS)
    for i in range(links.count()):
        if links.nth(i).inner_text().strip().splitlines()[-1].strip() == title:
            links.nth(i).click()
            break
    else:
        raise AssertionError(f"no page called {title!r} in the sidebar")
    page.get_by_role("heading", name=re.compile(re.escape(title), re.I)).first.wait_for()
    _settle(page)


def test_every_page_opens(server, page):
    with _shot_on_failure(page, "every-page"):
        _open_every_page(server, page)


def _open_every_page(server, page) -> None:
    page.goto(server, wait_until="domcontentloaded")
    _settle(page)
    links = _nav_links(page, server)
    assert len(links) == EXPECTED_PAGES, links
    for n, (title, url) in enumerate(links.items(), 1):
        page.goto(url, wait_until="domcontentloaded")
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"{title} ({url}) raised"
        slug = re.sub(r"[^a-z0-9]+", "-", url.split("?")[0].rsplit("/", 1)[-1].lower()).strip("-") or "home"
        # the first visit opens on today's Cần Thơ (the default with data), and every link keeps it
        assert "province=92" in url and "period=" in url, f"the link to {title} drops the selection: {url}"
        _shot(page, f"page-{n:02d}-{slug}")


def test_officer_uploads_good_and_bad_returns(server, page):
    with _shot_on_failure(page, "officer-upload"):
        _officer_uploads(page, server)


def _officer_uploads(page, server) -> None:
    page.goto(server, wait_until="domcontentloaded")
    _settle(page)
    _nav_links(page, server)  # the router's navigation is in place
    _go(page, "Nộp báo cáo")
    _login(page, "huyen933", "huyen933-demo")
    page.get_by_text("Tải mẫu báo cáo (.xlsx)").wait_for()
    _shot(page, "upload-1-logged-in")

    page.get_by_text(re.compile("Đọc từ tệp")).click()
    _settle(page)
    good = make_return("933", "2024", {c: (den * 3, num * 3) if den else (den, num)
                                       for c, (den, num) in full_values("933").items()})
    _upload(page, "chau-thanh-2024.xlsx", good)
    confirm = page.get_by_role("button", name="Nộp báo cáo này")
    confirm.wait_for()
    page.locator(TABLES).filter(has_text="CT01").first.wait_for()
    _settle(page)
    _shot(page, "upload-2-preview")
    confirm.click()
    page.get_by_text(re.compile(r"Đã nhận báo cáo Huyện Châu Thành.*phiên bản 1")).wait_for()
    _settle(page)
    _shot(page, "upload-3-accepted")

    bad_values = full_values("933")
    bad_values["CT01"] = (100, 150)
    bad_values["CT03"] = (60, "sáu mươi")
    _upload(page, "chau-thanh-sai.xlsx", make_return("933", "2024", bad_values))
    page.get_by_text(re.compile(r"Không nhận tệp này \(2 lỗi\)")).wait_for()
    _settle(page)
    # the refused file's table (the accepted file's warnings table holds the same headings): waited
    # for until its grid has written its cells, which a loaded machine may take a moment to do
    cells = _table_text(page, "F11")
    assert "lớn hơn Tổng số" in cells
    assert "F13" in cells
    page.get_by_role("button", name=re.compile("Tải tệp đã đánh dấu lỗi")).first.wait_for()  # made in a bounded child
    _shot(page, "upload-4-refused")

    _upload(page, "vi-thanh.xlsx", make_return("930", "2024", full_values("930")))
    page.locator(TABLES).filter(has_text=re.compile(r"Tệp này là báo cáo của Thành phố Vị Thanh")).first.wait_for()
    _settle(page)
    _shot(page, "upload-5-other-district")

    _go(page, "Lịch sử")
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_text(re.compile(r"vi-thanh\.xlsx.*gửi bởi huyen933")).first.wait_for()
    _shot(page, "history-officer")

    _go(page, "Xuất báo cáo")
    page.get_by_role("button", name=re.compile("Tạo ảnh PNG")).first.click()
    page.get_by_role("button", name=re.compile("Tải ảnh PNG")).wait_for()
    _settle(page)
    _shot(page, "export")


# --- Vietnamese everywhere (issue 10) -----------------------------------------------------------

# English that Streamlit or plotly would put on screen (text or tooltip) without plantrack's care
ENGLISH = ["Drag and drop", "Browse files", "Upload", "Add files", "per file", "Page not found", "Running the app",
           "Download as CSV", "Download plot", "Zoom", "Pan", "Autoscale", "Reset axes", "Box Select",
           "Lasso Select", "Fullscreen", "Search", "Produced with Plotly", "not allowed", "or smaller"]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.I)

_SHOWN_JS = """() => {
  const hide = document.createElement('style');  // icons are ligature names ("upload_file"), drawn as pictures
  hide.textContent = '[data-testid="stIconMaterial"] { display: none !important; }';
  document.head.appendChild(hide);
  const text = document.body.innerText;
  hide.remove();
  // tooltips of what is drawn (a display:none toolbar shows nothing); plotly's toolbar shows on hover
  const tips = [...document.querySelectorAll('[title], [data-title], [placeholder], button[aria-label]')]
    .filter(e => e.getClientRects().length > 0 || e.closest('.modebar'))
    .map(e => [e.getAttribute('title'), e.getAttribute('data-title'), e.getAttribute('placeholder'),
               e.tagName === 'BUTTON' ? e.getAttribute('aria-label') : null].filter(Boolean).join(' | '));
  const after = [...document.querySelectorAll('[data-testid="stFileUploaderDropzone"] *')]
    .map(e => getComputedStyle(e, '::after').content).filter(c => c && c !== 'none' && c !== 'normal');
  return {text, tips, after};
}"""


def _shown(page) -> dict:
    return page.evaluate(_SHOWN_JS)


def _no_english(page, where: str) -> dict:
    shown = _shown(page)
    found = ENGLISH_RE.findall(shown["text"]) + [t for t in shown["tips"] if ENGLISH_RE.search(t)]
    assert not found, f"{where}: English on screen: {found}"
    return shown


@pytest.mark.parametrize("width", [1400, 390])
def test_no_english_on_the_upload_page_a_chart_page_and_an_unknown_address(server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT)
    page = context.new_page()
    try:
        with _shot_on_failure(page, f"english-{width}"):
            _open(page, server + "/khong-co-trang-nay?province=93&period=2024")
            page.get_by_role("heading", name="Không có trang này").wait_for()
            assert page.get_by_text("Page not found").count() == 0
            _no_english(page, "unknown address")
            _shot(page, f"ui10-not-found-{width}")

            _typed(page, server + "/tong-quan?province=93&period=2024", "Tổng quan")  # the home page by its own path
            _no_english(page, "the home page's own address")

            _open(page, server + "/?province=93&period=2024")  # the home page (Tổng quan) is served at the root
            page.locator('[data-testid="stPlotlyChart"] .modebar-btn').first.wait_for(state="attached")
            shown = _no_english(page, "overview")
            assert any("Phóng to" in t for t in shown["tips"]), shown["tips"]  # plotly's toolbar, in Vietnamese
            assert any("Tải biểu đồ" in t for t in shown["tips"])
            page.locator('[data-testid="stPlotlyChart"]').first.hover()
            _shot(page, f"ui10-overview-{width}")

            _open(page, server + "/nop-bao-cao?province=93&period=2024")
            if width < 600:  # the sidebar (and its login box) is folded away on a phone
                page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button') \
                    .first.click()
            _login(page, "huyen933", "huyen933-demo")
            page.locator('[data-testid="stFileUploaderDropzone"]').wait_for()
            shown = _no_english(page, "upload page")
            assert any("Chọn tệp" in c for c in shown["after"]) and any("10 MB" in c for c in shown["after"]), shown
            _shot(page, f"ui10-upload-{width}")

            _open(page, server + "/huong-dan?province=93&period=2024")
            page.get_by_role("heading", name="Hướng dẫn").first.wait_for()
            page.locator('[data-testid="stTable"]').first.wait_for()
            _no_english(page, "help page")
            _shot(page, f"ui10-help-{width}")
    finally:
        context.close()


def test_printing_a_page_prints_the_page(server, page):
    with _shot_on_failure(page, "print"):
        _open(page, server + "/?province=93&period=2024")  # the home page (Tổng quan) is served at the root
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 1040, "height": 1400})  # A4 landscape's printable width at 96 dpi
        page.wait_for_timeout(1500)
        for hidden in ("stSidebar", "stHeader", "stForm"):
            assert page.locator(f'[data-testid="{hidden}"]').first.is_hidden(), hidden
        assert page.locator('.modebar-container').first.is_hidden()
        for box in page.locator('[data-testid="stPlotlyChart"]').evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().toJSON())"):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1040 + 1, box
        _shot(page, "ui10-print-overview")
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
        assert pdf.startswith(b"%PDF")


# --- a login that lasts -------------------------------------------------------------------------

LOGGED_IN = re.compile(r"Đã đăng nhập: huyen930")


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "plantrack_session"), None)


def _logged_in(page) -> bool:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name=re.compile(r"^(Đăng nhập|Đăng xuất)$")) \
        .first.wait_for()
    return page.get_by_text(LOGGED_IN).count() > 0


def _open(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    _settle(page)


def test_a_login_lasts_across_reloads_and_tabs_and_logging_out_ends_it_everywhere(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT)
    page = context.new_page()
    others = []
    try:
        with _shot_on_failure(page, "session"):
            _open(page, server)
            _nav_links(page, server)
            _login(page, "huyen930", "huyen930-demo")
            deadline = time.monotonic() + 30
            while _session_cookie(context) is None and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            cookie = _session_cookie(context)
            assert cookie is not None, "the login cookie was not set"
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert "plantrack_session" not in page.evaluate("document.cookie")  # no script can read it

            page.reload(wait_until="domcontentloaded")
            _settle(page)
            assert _logged_in(page), "a reload logged the officer out"

            tab = context.new_page()
            _open(tab, server + "/nop-bao-cao")
            assert _logged_in(tab), "a new tab is not logged in"
            tab.get_by_text("Tải mẫu báo cáo (.xlsx)").wait_for()

            copied = browser.new_context()  # the cookie copied to another browser works… until logout
            others.append(copied)
            copied.add_cookies([cookie])
            thief = copied.new_page()
            _open(thief, server)
            assert _logged_in(thief)

            page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng xuất").click()
            page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng nhập").wait_for()
            _settle(page)
            page.reload(wait_until="domcontentloaded")
            _settle(page)
            assert not _logged_in(page), "still logged in after logging out and reloading"
            tab.reload(wait_until="domcontentloaded")
            _settle(tab)
            assert not _logged_in(tab), "the other tab is still logged in"

            replay = browser.new_context()  # the old cookie replayed after logout is refused
            others.append(replay)
            replay.add_cookies([cookie])
            late = replay.new_page()
            _open(late, server + "/nop-bao-cao")
            assert not _logged_in(late), "a revoked cookie still logs in"
            late.get_by_text(re.compile("Hãy .*đăng nhập")).first.wait_for()
    finally:
        for c in others:
            c.close()
        context.close()


# --- issue #9: today's map ------------------------------------------------------------------------

def _pick_province(page, label: str) -> None:
    """Choose a province in the sidebar's picker, as a planner does (type, then pick the option)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
    box.click()
    page.keyboard.type(label)
    page.get_by_role("option", name=label, exact=True).first.click()
    _settle(page)


def _pick_period(page, label: str) -> None:
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1)
    box.click()
    page.keyboard.type(label)
    page.get_by_role("option", name=label, exact=True).first.click()
    _settle(page)


def _log_out(page) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng xuất").click()
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng nhập").wait_for()
    _settle(page)


def test_todays_can_tho_across_the_reform(server, page, tmp_path):
    with _shot_on_failure(page, "reform"):
        _todays_can_tho(server, page, tmp_path)


def _todays_can_tho(server, page, tmp_path) -> None:
    from openpyxl import load_workbook

    from plantrack.template import COL_DEN, COL_NUM, FIRST_ROW

    page.goto(server + "/?province=93&period=2024", wait_until="domcontentloaded")  # a former province first
    _settle(page)
    links = _nav_links(page, server)
    page.get_by_text(re.compile(r"Tổng quan — Tỉnh Hậu Giang \(cũ\)")).first.wait_for()
    _login(page, "tinh92", "tinh92-demo")
    page.get_by_text(re.compile(r"Cán bộ cấp tỉnh — Thành phố Cần Thơ")).first.wait_for()

    _pick_province(page, "Cần Thơ")
    page.get_by_text(re.compile(r"Cần Thơ \(hợp nhất từ Cần Thơ, Hậu Giang, Sóc Trăng từ 1/7/2025\)")).first.wait_for()
    page.wait_for_url(re.compile(r"province=92"), timeout=STEP_TIMEOUT)  # the query string follows the rerun
    _pick_period(page, "Năm 2025")
    page.wait_for_url(re.compile(r"province=92.*period=2025|period=2025.*province=92"), timeout=STEP_TIMEOUT)
    page.get_by_text(re.compile(r"Năm 2025: \d+/103 xã, phường đã báo cáo")).first.wait_for()
    _shot(page, "reform-1-overview-can-tho")

    _go(page, "Tiến độ")
    page.get_by_text(re.compile(r"Cần Thơ \(cũ\), Hậu Giang \(cũ\), Sóc Trăng \(cũ\)")).first.wait_for()
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    page.get_by_text("1/7/2025: sáp nhập tỉnh, xã báo cáo thay huyện").first.wait_for()
    _shot(page, "reform-2-trajectory")

    _go(page, "Tình hình nộp báo cáo")
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_text(re.compile(r"Năm 2025: \d+ xã, phường phải nộp báo cáo cho Sở Y tế")).first.wait_for()
    _shot(page, "reform-3-completeness-communes")

    # the sidebar's links carry the current selection (today's Cần Thơ, 2025): read them again
    page.goto(_nav_links(page, server)["Xã, phường"], wait_until="domcontentloaded")  # named after a commune period
    _settle(page)
    page.get_by_role("heading", name=re.compile(r"Xã, phường — Thành phố Cần Thơ")).first.wait_for()
    _shot(page, "reform-4-communes-heatmap")
    search = page.get_by_label(re.compile(r"Tìm xã, phường"))
    search.fill("Vị Thanh")
    search.press("Enter")
    page.get_by_text(re.compile(r"khớp “Vị Thanh”")).first.wait_for()
    _settle(page)
    _shot(page, "reform-5-communes-search")

    # the planner downloads Phường Vị Thanh's 2025 form; the commune's officer fills and sends it
    _go(page, "Nộp báo cáo")
    _log_out(page)
    _login(page, "xa31321", "xa31321-demo")
    page.get_by_text("Tải mẫu báo cáo (.xlsx)").wait_for()
    _settle(page)
    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile("Tải mẫu báo cáo")).click()
    form = tmp_path / "mau-31321-2025.xlsx"
    got.value.save_as(form)
    wb = load_workbook(form)
    ws = wb["BaoCao"]
    cells = " ".join(str(c.value) for row in ws.iter_rows(max_row=9) for c in row if c.value)
    assert "Phường Vị Thanh" in cells and "Gửi Sở Y tế Thành phố Cần Thơ" in cells
    row = FIRST_ROW
    while ws.cell(row, 2).value:
        if ws.cell(row, COL_DEN).fill.fgColor.rgb.endswith("EEEEEE"):  # the yes/no indicator
            ws.cell(row, COL_NUM).value = "Có"
        else:
            ws.cell(row, COL_DEN).value, ws.cell(row, COL_NUM).value = 200, 150
        row += 1
    wb.save(form)
    _shot(page, "reform-6-upload-commune")
    _upload(page, "vi-thanh-2025.xlsx", form.read_bytes())
    confirm = page.get_by_role("button", name="Nộp báo cáo này")
    confirm.wait_for()
    _settle(page)
    confirm.click()
    page.get_by_text(re.compile(r"Đã nhận báo cáo Phường Vị Thanh \(Thành phố Cần Thơ\).*phiên bản 1")).wait_for()
    _settle(page)
    _shot(page, "reform-7-commune-accepted")
    _log_out(page)

    # the planner exports the consolidated report of today's Cần Thơ
    _login(page, "tinh92", "tinh92-demo")
    _go(page, "Xuất báo cáo")
    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile("Tải báo cáo tổng hợp")).click()
    report = tmp_path / "tong-hop.xlsx"
    got.value.save_as(report)
    book = load_workbook(report)
    assert {"TongHop", "Nam 2025", "Nam 2024"} <= set(book.sheetnames)
    text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value)
    assert "Phường Vị Thanh" in text and "Giám đốc Sở Y tế" in text
    _shot(page, "reform-8-export")

    # former Hậu Giang's history is still there
    _pick_province(page, "Hậu Giang (cũ)")
    _go(page, "Lịch sử")
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_text(re.compile(r"tệp đã nhận")).first.wait_for()
    _shot(page, "reform-9-hau-giang-history")
    _go(page, "Tiến độ")
    page.get_by_role("heading", name=re.compile(r"Tiến độ — Tỉnh Hậu Giang \(cũ\)")).wait_for()
    _shot(page, "reform-10-hau-giang-trajectory")


# --- issue #10's small points: typed addresses, the drag hint, a fresh tab's officer ------------------

NOT_FOUND_RE = re.compile(r"Page not found|Running the app|main page", re.I)


def _typed(page, url: str, heading: str) -> None:
    """Open an address as if typed by hand: the page named ``heading`` shows, and Streamlit's English
    "Page not found … Running the app's main page" never does (watched while the page settles)."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name=re.compile(re.escape(heading))).first.wait_for()
    seen = set()
    for _ in range(15):  # the dialog would come with the first run; watch it for 3 s
        seen |= set(NOT_FOUND_RE.findall(page.evaluate("document.body.innerText")))
        page.wait_for_timeout(200)
    _settle(page)
    assert not seen, f"{url}: {seen}"


def test_every_page_opens_by_its_typed_address_in_vietnamese(server, page):
    with _shot_on_failure(page, "typed-addresses"):
        _open(page, server + "/?province=93&period=2024")
        links = _nav_links(page, server)
        paths = {title: url.split("?")[0].rsplit("/", 1)[-1] for title, url in links.items()}
        paths["Tổng quan"] = "tong-quan"  # the home page's own path (its link is the root)
        for title, path in paths.items():
            heading = {"Huyện": "Huyện —", "Xã, phường": "Xã, phường —", "Tình hình nộp báo cáo": "Tình hình nộp",
                       "Lịch sử": "Lịch sử", "Hướng dẫn": "Hướng dẫn"}.get(title, title)
            _typed(page, f"{server}/{path}?province=93&period=2024", heading)
            _no_english(page, f"/{path}")
        _typed(page, server + "/khong-co-trang-nay", "Không có trang này")


DRAG_OVER_JS = """() => {
  const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
  const dt = new DataTransfer();
  dt.items.add(new File(['x'], 'bao-cao.xlsx'));
  for (const type of ['dragenter', 'dragover'])
    zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
}"""
# what the drop zone shows beside its Vietnamese instructions and button: text drawn at a visible size,
# and generated content (::after)
DROP_ZONE_SHOWN_JS = """() => {
  const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
  const shown = [];
  for (const e of zone.querySelectorAll('*')) {
    if (e.closest('[data-testid="stFileUploaderDropzoneInstructions"]') || e.closest('button')) continue;
    const style = getComputedStyle(e);
    const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join(' ').trim();
    if (own && parseFloat(style.fontSize) > 0 && style.visibility === 'visible' && e.getClientRects().length)
      shown.push(own);
    const after = getComputedStyle(e, '::after').content;
    if (after && after !== 'none' && after !== 'normal') shown.push(after);
  }
  return shown;
}"""


def test_the_drag_hint_over_the_uploader_is_vietnamese(server, page):
    with _shot_on_failure(page, "drag-hint"):
        _open(page, server + "/nop-bao-cao?province=93&period=2024")
        _login(page, "huyen933", "huyen933-demo")
        zone = page.locator('[data-testid="stFileUploaderDropzone"]')
        zone.wait_for()
        assert page.evaluate(DROP_ZONE_SHOWN_JS) == []  # no hint before a file comes
        page.evaluate(DRAG_OVER_JS)
        page.wait_for_function("() => document.querySelector('[data-testid=\"stFileUploaderDropzone\"] > input + div')")
        shown = page.evaluate(DROP_ZONE_SHOWN_JS)
        assert shown and all("Thả tệp vào đây" in s for s in shown), shown
        assert not [s for s in shown if ENGLISH_RE.search(s) or re.search(r"drop|drag", s, re.I)], shown
        SHOTS.mkdir(parents=True, exist_ok=True)
        zone.screenshot(path=str(SHOTS / "ui10-drag-hint.png"))


def test_an_officer_in_a_fresh_tab_lands_on_their_unit(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT)
    page = context.new_page()
    try:
        with _shot_on_failure(page, "fresh-tab-officer"):
            _open(page, server + "/huong-dan")
            _login(page, "huyen930", "huyen930-demo")
            deadline = time.monotonic() + 30
            while _session_cookie(context) is None and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            assert _session_cookie(context) is not None, "the login cookie was not set"
            tab = context.new_page()  # a new tab at the root: only the cookie knows the officer
            _typed(tab, server + "/", "Đơn vị của tôi")
            assert _logged_in(tab)
            tab.get_by_text(re.compile("Thành phố Vị Thanh")).first.wait_for()
            _typed(tab, server + "/don-vi-cua-toi", "Đơn vị của tôi")  # their page by its own path
            _typed(tab, server + "/tong-quan", "Tổng quan")  # and the overview by its path
            _log_out(tab)
    finally:
        context.close()


# --- issue #10: usable on a phone ----------------------------------------------------------------

WIDTHS = {1400: 900, 390: 844}  # a desktop and a phone (iPhone 12–15: 390×844)
PHONE = 640  # Streamlit stacks columns below this width; plantrack swaps heatmaps for lists (stylesheet.py)
# what each page the router lists shows first (its header) and must draw (a chart or a table), at
# today's Cần Thơ 2025 (the first visit's selection); a visitor (not logged in) sees every page
PAGE_CONTENT = {
    "Tổng quan": (r"Tổng quan — Thành phố Cần Thơ", '[data-testid="stPlotlyChart"]'),
    "Tiến độ": (r"Tiến độ — Thành phố Cần Thơ", '[data-testid="stPlotlyChart"]'),
    "Xã, phường": (r"Xã, phường — Thành phố Cần Thơ", '[data-testid="stPlotlyChart"]'),  # a commune period's
    "So sánh tỉnh": (r"So sánh tỉnh", '[data-testid="stPlotlyChart"]'),
    "Tình hình nộp báo cáo": (r"Tình hình nộp báo cáo — Thành phố Cần Thơ", '[data-testid="stDataFrame"]'),
    "Đơn vị của tôi": (r"Đơn vị của tôi", '[data-testid="stAlert"]'),
    "Nộp báo cáo": (r"Nộp báo cáo", '[data-testid="stAlert"]'),
    "Lịch sử": (r"Lịch sử nộp báo cáo", '[data-testid="stDataFrame"]'),
    "Xuất báo cáo": (r"Xuất báo cáo — Thành phố Cần Thơ", '[data-testid="stDownloadButton"]'),
    "Chỉ tiêu": (r"Chỉ tiêu — Thành phố Cần Thơ", '[data-testid="stTable"]'),
    "Hướng dẫn": (r"Hướng dẫn", '[data-testid="stTable"]'),
}

_FIT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const width = window.innerWidth;
  // what sticks out of the window on the right (charts, tables, long words); a table's own scroller is fine
  const out = [...main.querySelectorAll('[data-testid="stElementContainer"]')]
    .filter(e => e.getClientRects().length > 0 && e.getBoundingClientRect().right > width + 1)
    .map(e => (e.getAttribute('data-testid') + ' ' + (e.innerText || '').slice(0, 60)));
  return {doc: document.documentElement.scrollWidth, main: main.scrollWidth, width, out};
}"""


def _fits(page, where: str) -> None:
    """Nothing on the page is wider than the window: no sideways scrolling of the page itself."""
    fit = page.evaluate(_FIT_JS)
    assert fit["doc"] <= fit["width"] + 1 and fit["main"] <= fit["width"] + 1, f"{where}: wider than the window {fit}"
    assert not fit["out"], f"{where}: sticks out of the window: {fit['out']}"


def _context(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT)
    return context


def _visible_count(page, selector: str) -> int:
    return page.locator(selector).evaluate_all("els => els.filter(e => e.getClientRects().length > 0).length")


def _one_variant_shown(page, name: str, width: int) -> None:
    """The wide variant (a heatmap) shows on a desktop, the narrow one (a list) on a phone, never both."""
    wide, narrow = f".st-key-wide_only_{name}", f".st-key-narrow_only_{name}"
    page.locator(f"{wide}, {narrow}").first.wait_for(state="attached")
    shown, hidden = (narrow, wide) if width < PHONE else (wide, narrow)
    assert _visible_count(page, shown) == 1, f"{shown} is not shown at {width} px"
    assert _visible_count(page, hidden) == 0, f"{hidden} is shown at {width} px"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_at_desktop_and_phone_width(server, browser, width):
    context = _context(browser, width)
    page = context.new_page()
    try:
        with _shot_on_failure(page, f"width-{width}"):
            _open(page, server)
            links = _nav_links(page, server)
            assert set(links) == set(PAGE_CONTENT), links
            sidebar = page.locator('[data-testid="stSidebar"]')
            # a phone opens with the sidebar folded away (the page gets the whole screen)
            assert (sidebar.get_attribute("data-collapsed") == "false") == (width >= PHONE)
            for n, (title, url) in enumerate(links.items(), 1):
                _open(page, url)
                slug = re.sub(r"[^a-z0-9]+", "-", url.split("?")[0].rsplit("/", 1)[-1].lower()).strip("-") or "home"
                heading, content = PAGE_CONTENT[title]
                page.locator(content).locator("visible=true").first.wait_for()  # drawn, if after a spinner
                _shot(page, f"w{width}-{n:02d}-{slug}")
                assert page.locator('[data-testid="stException"]').count() == 0, f"{title} raised"
                assert page.get_by_role("heading", name=re.compile(heading)).first.is_visible(), title
                _no_english(page, title)
                _fits(page, f"{title} at {width} px")
                if title == "Xã, phường":
                    _one_variant_shown(page, "districts_heatmap", width)

            # where the login is, as the pages tell a visitor: true at this width too
            _open(page, links["Đơn vị của tôi"])
            told = page.locator('[data-testid="stAlert"]').first.inner_text()
            assert "đăng nhập ở ô Đăng nhập cuối thanh bên trái" in told, told
            if width < PHONE:
                assert "bấm nút » ở góc trên bên trái" in told, told
                _show_sidebar(page)  # asserts the » button is where the text says
            form = page.locator('[data-testid="stSidebar"] [data-testid="stForm"]')
            form.scroll_into_view_if_needed()
            box = form.bounding_box()
            assert box and 0 <= box["x"] and box["x"] + box["width"] <= width + 1 and box["y"] >= 0, box
            assert page.locator('[data-testid="stSidebar"]').get_by_text("Đăng nhập", exact=True).first.is_visible()
            _shot(page, f"w{width}-login-reachable")
            _hide_sidebar(page)

            # a period of districts: the completeness matrix (a list on a phone)
            _open(page, server + "/nop-bao-cao-cac-huyen?province=93&period=2024")
            page.get_by_role("heading", name=re.compile("Tình hình nộp báo cáo — Tỉnh Hậu Giang")).first.wait_for()
            _one_variant_shown(page, "completeness_matrix", width)
            _fits(page, f"completeness of districts at {width} px")
            _shot(page, f"w{width}-completeness-districts")
            _open(page, server + "/huyen?province=93&period=2024")
            _one_variant_shown(page, "districts_heatmap", width)
            _fits(page, f"districts at {width} px")
            _shot(page, f"w{width}-districts-2024")
    finally:
        context.close()


def _table_text(page, has_text: str) -> str:
    """The text of the last table holding ``has_text``. A dataframe's grid writes its cells into the DOM
    only once it is on screen (below a phone's fold it is empty), so each is scrolled to first."""
    deadline = time.monotonic() + STEP_TIMEOUT / 1000
    while time.monotonic() < deadline:
        tables = page.locator(TABLES)
        for i in reversed(range(tables.count())):
            if not tables.nth(i).is_visible():  # the other width's variant
                continue
            tables.nth(i).scroll_into_view_if_needed()
            page.wait_for_timeout(200)
            text = tables.nth(i).text_content() or ""
            if has_text in text:
                return text
        page.wait_for_timeout(500)
    raise AssertionError(f"no table holds {has_text!r}")


def _phone(page) -> bool:
    return page.viewport_size["width"] < PHONE


def _sidebar_open(page) -> bool:
    return page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "false"


def _show_sidebar(page) -> None:
    """Open the sidebar as a phone user does: the » button in the top left corner (the texts say so)."""
    if _sidebar_open(page):
        return
    button = page.locator('[data-testid="stExpandSidebarButton"]')
    box = button.bounding_box()
    assert box and box["x"] < 80 and box["y"] < 80, f"the » button is not in the top left corner: {box}"
    button.click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                           ".getAttribute('data-collapsed') === 'false'", timeout=STEP_TIMEOUT)
    page.wait_for_timeout(400)  # its slide-in


def _hide_sidebar(page) -> None:
    """On a phone the open sidebar covers the page: fold it away (its « button) to read the page."""
    if not _phone(page) or not _sidebar_open(page):
        return
    page.locator('[data-testid="stSidebarCollapseButton"] button, button[data-testid="stSidebarCollapseButton"]') \
        .first.click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                           ".getAttribute('data-collapsed') === 'true'", timeout=STEP_TIMEOUT)
    page.wait_for_timeout(400)


def _go_to(page, title: str) -> None:
    """Follow the sidebar's link, opening the sidebar first on a phone and folding it after."""
    if _phone(page):
        _show_sidebar(page)
    _go(page, title)
    _hide_sidebar(page)


def _log_in_anywhere(page, username: str, password: str, name: str) -> None:
    """Log in with the sidebar's form; on a phone the sidebar is opened first and must hold the form whole."""
    if _phone(page):
        _show_sidebar(page)
        form = page.locator('[data-testid="stSidebar"] [data-testid="stForm"]')
        form.scroll_into_view_if_needed()  # at the end of the sidebar, as the pages say
        box = form.bounding_box()
        width = page.viewport_size["width"]
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, f"the login form is cut: {box}"
        _shot(page, f"{name}-sidebar-open")
    _login(page, username, password)
    _hide_sidebar(page)


def _fill_form(path: Path, broken: bool) -> list[str]:
    """Fill a downloaded form as an officer does (every Tổng số 200, Số đạt 150; yes/no: Có); a broken
    one gets a Số đạt above its Tổng số and a Số đạt in words. Returns the broken cells."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from plantrack.template import COL_DEN, COL_NUM, FIRST_ROW

    wb = load_workbook(path)
    ws = wb["BaoCao"]
    row, numeric = FIRST_ROW, []
    while ws.cell(row, 2).value:
        if ws.cell(row, COL_DEN).fill.fgColor.rgb.endswith("EEEEEE"):  # the yes/no indicator
            ws.cell(row, COL_NUM).value = "Có"
        else:
            ws.cell(row, COL_DEN).value, ws.cell(row, COL_NUM).value = 200, 150
            numeric.append(row)
        row += 1
    bad = []
    if broken:
        ws.cell(numeric[0], COL_NUM).value = 250
        ws.cell(numeric[1], COL_NUM).value = "một trăm"
        bad = [f"{get_column_letter(COL_NUM)}{numeric[0]}", f"{get_column_letter(COL_NUM)}{numeric[1]}"]
    wb.save(path)
    return bad


# one officer per width: each walk sends its own unit's returns (the store is shared by the module)
# (xa31321 has nothing left to send once the reform test has sent its 2025; a former district has
# its oldest half-year still to send)
OFFICERS = {1400: ("huyen930", "Thành phố Vị Thanh"), 390: ("huyen933", "Huyện Châu Thành")}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_officers_day(server, browser, width, tmp_path):
    """Log in, the own page, the form of the next period, a bad return refused with its cells, fixed,
    sent again and accepted; at a desktop's and a phone's width."""
    username, unit = OFFICERS[width]
    context = _context(browser, width)
    page = context.new_page()
    name = f"officer-{width}"
    try:
        with _shot_on_failure(page, name):
            _open(page, server)
            _nav_links(page, server)
            _log_in_anywhere(page, username, f"{username}-demo", name)
            # an officer lands on their own unit
            page.get_by_role("heading", name="Đơn vị của tôi").first.wait_for()
            page.get_by_text(re.compile(re.escape(unit))).first.wait_for()
            due = page.get_by_text(re.compile(r"Kỳ cần nộp tiếp theo: ")).first
            due.wait_for()
            period_label = re.search(r"Kỳ cần nộp tiếp theo: (.+?), hạn nộp", due.inner_text()).group(1)
            _fits(page, f"{name} own page")
            _shot(page, f"{name}-1-own-page")

            with page.expect_download() as got:
                page.get_by_role("button", name=re.compile("Tải mẫu báo cáo kỳ tiếp theo")).click()
            form = tmp_path / "mau.xlsx"
            got.value.save_as(form)
            assert got.value.suggested_filename.startswith("mau-bao-cao-")
            bad_cells = _fill_form(form, broken=True)

            _go_to(page, "Nộp báo cáo")
            page.get_by_text(re.compile("Đọc từ tệp")).click()
            _settle(page)
            _upload(page, "bao-cao-sai.xlsx", form.read_bytes())
            page.get_by_text(re.compile(r"Không nhận tệp này \(2 lỗi\)")).wait_for()
            _settle(page)
            # the errors: a table on a desktop; a list on a phone (the table's messages would sit off screen)
            shown = _visible_count(page, '[class*="st-key-narrow_only_issues_"]')
            assert shown == (1 if _phone(page) else 0), f"{shown} error lists shown at {width} px"
            if _phone(page):
                cells = page.locator('[class*="st-key-narrow_only_issues_"]').last.inner_text()
                assert "Ô " + bad_cells[0] in cells
            else:
                cells = _table_text(page, "Lỗi và cách sửa")
            for cell in bad_cells:
                assert cell in cells, f"the error table does not point at {cell}: {cells[:400]}"
            assert "lớn hơn Tổng số" in cells
            page.get_by_role("button", name=re.compile("Tải tệp đã đánh dấu lỗi")).first.wait_for()
            _fits(page, f"{name} refused")
            _shot(page, f"{name}-2-refused")

            _fill_form(form, broken=False)  # the officer fixes the two cells
            _upload(page, "bao-cao-da-sua.xlsx", form.read_bytes())
            confirm = page.get_by_role("button", name="Nộp báo cáo này")
            confirm.wait_for()
            _settle(page)
            _shot(page, f"{name}-3-preview")
            confirm.click()
            page.get_by_text(re.compile(rf"Đã nhận báo cáo {re.escape(unit)}.*{re.escape(period_label)}.*phiên bản \d+")) \
                .wait_for()
            _settle(page)
            _fits(page, f"{name} accepted")
            _shot(page, f"{name}-4-accepted")

            _go_to(page, "Đơn vị của tôi")
            page.get_by_text(re.compile(r"bị từ chối vì 2 lỗi")).first.wait_for()
            page.get_by_text("bao-cao-sai.xlsx").first.wait_for()
            received = _table_text(page, "Ngày nhận")  # the "Đã nhận" table
            assert period_label in received, received[:300]
            _fits(page, f"{name} own page after")
            _shot(page, f"{name}-5-own-page-after")
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_planners_day(server, browser, width, tmp_path):
    """The overview, the completeness page's chase list, its Excel download opened with openpyxl."""
    from openpyxl import load_workbook

    context = _context(browser, width)
    page = context.new_page()
    name = f"planner-{width}"
    try:
        with _shot_on_failure(page, name):
            _open(page, server + "/?province=93&period=2024")
            _nav_links(page, server)
            _log_in_anywhere(page, "tinh93", "tinh93-demo", name)
            page.get_by_role("heading", name=re.compile(r"Tổng quan — Tỉnh Hậu Giang \(cũ\)")).first.wait_for()
            page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
            _fits(page, f"{name} overview")
            _shot(page, f"{name}-1-overview")

            _go_to(page, "Tình hình nộp báo cáo")
            # the planner chases a half-year nobody has sent yet: the sidebar's period picker
            if _phone(page):
                _show_sidebar(page)
            box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1)
            box.click()
            page.keyboard.type("6 tháng đầu năm 2023")
            page.get_by_role("option", name=re.compile(r"6 tháng đầu năm 2023")).first.click()
            _settle(page)
            _hide_sidebar(page)
            page.get_by_role("heading", name=re.compile(r"Cần đôn đốc — 6 tháng đầu năm 2023")).first.wait_for()
            chase = _table_text(page, "15/05/2023")  # the half-year's deadline: the list of the period picked
            assert "Chưa nộp" in chase and "Huyện Châu Thành" in chase
            _one_variant_shown(page, "completeness_matrix", width)
            _fits(page, f"{name} completeness")
            counts = page.locator(".st-key-pairs_completeness_counts [data-testid='stMetric']")
            boxes = counts.evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
            assert len(boxes) == 4
            rows = len({round(b["y"]) for b in boxes})
            assert rows == (2 if width < PHONE else 1), f"the four counts take {rows} rows at {width} px"
            _shot(page, f"{name}-2-completeness")

            with page.expect_download() as got:
                page.get_by_role("button", name=re.compile(r"Tải danh sách cần đôn đốc \(Excel\)")).click()
            path = tmp_path / got.value.suggested_filename
            got.value.save_as(path)
            assert path.name == "can-don-doc-93-cu-2023H1.xlsx"
            ws = load_workbook(path).active
            text = [str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value]
            assert any("Cần đôn đốc" in t and "Hậu Giang" in t for t in text), text
            assert {"Đơn vị", "Tình trạng", "Hạn nộp", "Tài khoản"} <= set(text), text
            units = [str(c.value) for c in ws["A"] if c.value]
            assert any("Huyện Châu Thành" in u for u in units), units
    finally:
        context.close()
