"""The dashboard's one stylesheet (app.py puts it on every page with ``st.html``).

Three jobs, all where Streamlit 1.67 has no API:

- **Vietnamese in place of Streamlit's English chrome.** The file uploader's button ("Upload"),
  its limit line ("50MB per file • XLSX…", which states Streamlit's limit, not the contract's
  10 MB) are hidden and replaced by Vietnamese text, and so is the drag hint ("Drag and drop a file
  here", an overlay Streamlit puts first in the drop zone, after its input, only while a file is dragged
  over it; it has no data-testid, so it is found by that place); the element toolbar of
  tables and charts (Search, Download as CSV, Fullscreen: English tooltips, and a CSV download the
  planner does not need, the export page gives Excel) is hidden. Everything else on screen is
  written by plantrack in Vietnamese; plotly's toolbar is translated by its config (plotly_vi).
- **Usable on a phone** (below 640 px): a heatmap gives way to a list of the same rows (pages put
  both in ``wide_only_…`` / ``narrow_only_…`` containers), metrics stay two a row, wide tables scroll.
- **Printing a page prints the page**: in ``@media print`` the sidebar (with the login form),
  the header and its toolbar, Streamlit's status and decoration, widgets that do nothing on paper
  (buttons, uploaders, the chart toolbar) are hidden, the main column takes the paper's width and
  charts are kept within it, whole (never split across two sheets).

The selectors are Streamlit's ``data-testid`` attributes (stable across releases, used by its own
tests); the browser test checks the result on the real page.
"""

from __future__ import annotations

from plantrack.ingest import SPREADSHEET_SUFFIXES
from plantrack.workbook import MAX_FILE_BYTES

UPLOAD_BUTTON_VI = "Chọn tệp"
DROP_HINT_VI = "Thả tệp vào đây"
ACCEPTED_VI = ", ".join(sorted(SPREADSHEET_SUFFIXES, key=[".xlsx", ".xlsm", ".xls", ".ods", ".xml"].index))
UPLOAD_LIMIT_VI = f"Kéo thả tệp vào đây hoặc bấm {UPLOAD_BUTTON_VI} · tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB mỗi tệp · {ACCEPTED_VI}"


def _css_string(text: str) -> str:
    """A CSS string literal (for ``content:``) holding ``text`` as text."""
    return '"' + "".join(c if c.isalnum() or c in " .,·()-" else f"\\{ord(c):x} " for c in text) + '"'


SCREEN_CSS = f"""
/* the file uploader, in Vietnamese */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] > * {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{
  content: {_css_string(UPLOAD_BUTTON_VI)};
}}
[data-testid="stFileUploaderDropzoneInstructions"] > div > * {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{
  content: {_css_string(UPLOAD_LIMIT_VI)}; font-size: 0.875rem; opacity: 0.75;
}}
/* the hint over the drop zone while a file is dragged over it */
[data-testid="stFileUploaderDropzone"] > input + div > span:only-child {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] > input + div > span:only-child::after {{
  content: {_css_string(DROP_HINT_VI)}; font-size: 0.875rem;
}}
/* tables' and charts' own toolbar: English tooltips, a CSV download */
[data-testid="stElementToolbar"] {{ display: none !important; }}
"""

# Streamlit stacks columns at 640 px and below (a page keeps small metrics two a row with a
# ``pairs_…`` container); there a heatmap cannot be read, so a page puts the
# heatmap in ``st.container(key="wide_only_…")`` and a list of the same rows in
# ``st.container(key="narrow_only_…")`` (Streamlit gives a keyed container the class ``st-key-<key>``)
# and only one of them shows. Paper is wide: it prints the heatmap.
PHONE_WIDTH = 640
NARROW_CSS = f"""
@media (max-width: {PHONE_WIDTH}px) {{
  [class*="st-key-wide_only_"] {{ display: none !important; }}
  /* small numbers side by side (two a row), not one a screen: st.columns in a "pairs_…" container */
  [class*="st-key-pairs_"] [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; gap: 0.5rem; }}
  [class*="st-key-pairs_"] [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important;
    width: calc(50% - 0.5rem) !important;
  }}
  /* a static table of many columns scrolls sideways instead of squeezing each word onto a line */
  [data-testid="stTable"] {{ overflow-x: auto; }}
  [data-testid="stTable"] table:has(tr > :nth-child(5)) {{ min-width: 720px; }}
}}
@media (min-width: {PHONE_WIDTH + 1}px), print {{
  [class*="st-key-narrow_only_"] {{ display: none !important; }}
}}
"""

PRINT_CSS = """
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stBottom"], [data-testid="stForm"], [data-testid="stElementToolbar"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stPageLink"],
  [data-testid="stFileUploader"], .modebar-container { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    margin: 0 !important; padding: 0 !important; max-width: 100% !important; width: 100% !important;
    overflow: visible !important; position: static !important;
  }
  [data-testid="stPlotlyChart"], [data-testid="stPlotlyChart"] .js-plotly-plot,
  [data-testid="stPlotlyChart"] .plot-container, [data-testid="stPlotlyChart"] .svg-container {
    max-width: 100% !important; overflow: hidden !important;
  }
  [data-testid="stPlotlyChart"], [data-testid="stVerticalBlockBorderWrapper"] { break-inside: avoid; }
}
"""

STYLESHEET = f"<style>{SCREEN_CSS}{NARROW_CSS}{PRINT_CSS}</style>"
