"""plotly.js in Vietnamese: the chart toolbar's tooltips and messages, and the config every chart
is drawn with (pages/common.plot).

plotly.js looks every toolbar string up in ``config.locales[config.locale].dictionary`` before
falling back to English, so a locale given in the figure's config is enough: nothing is
registered globally and Streamlit's bundled plotly.js is left as it is. The keys are plotly.js's
own English strings (those of its 2-D charts: the toolbar buttons, the download messages, the
double-click hint); the toolbar is trimmed to what a planner uses (download, zoom, reset).
"""

from __future__ import annotations

# plotly.js's English text -> what the planner reads
DICTIONARY_VI: dict[str, str] = {
    "Autoscale": "Tự co giãn trục",
    "Box Select": "Chọn vùng chữ nhật",
    "Click to enter Colorscale title": "Bấm để nhập tiêu đề thang màu",
    "Click to enter Plot subtitle": "Bấm để nhập tiêu đề phụ",
    "Click to enter Plot title": "Bấm để nhập tiêu đề biểu đồ",
    "Click to enter X axis title": "Bấm để nhập tên trục hoành",
    "Click to enter Y axis title": "Bấm để nhập tên trục tung",
    "Compare data on hover": "So sánh số liệu khi di chuột",
    "Double-click to zoom back out": "Bấm đúp để trở lại như cũ",
    "Download plot": "Tải biểu đồ",
    "Download plot as a PNG": "Tải biểu đồ (ảnh PNG)",
    "Download plot as JSON": "Tải biểu đồ (JSON)",
    "Draw circle": "Vẽ hình tròn",
    "Draw closed freeform": "Vẽ hình khép kín",
    "Draw line": "Vẽ đường thẳng",
    "Draw open freeform": "Vẽ nét tự do",
    "Draw rectangle": "Vẽ hình chữ nhật",
    "Erase active shape": "Xoá hình đang chọn",
    "Image download succeeded": "Đã tải ảnh biểu đồ",
    "JSON download succeeded": "Đã tải tệp JSON",
    "Lasso Select": "Chọn tự do",
    "Pan": "Kéo biểu đồ",
    "Preparing image - this may take a few seconds": "Đang tạo ảnh, xin chờ vài giây",
    "Reset": "Đặt lại",
    "Reset axes": "Trở lại như cũ",
    "Reset view": "Trở lại như cũ",
    "Reset views": "Trở lại như cũ",
    "Show closest data on hover": "Hiện số liệu gần nhất khi di chuột",
    "Sorry, there was a problem downloading your image!": "Không tải được ảnh biểu đồ, hãy thử lại.",
    "Sorry, there was a problem downloading your JSON file!": "Không tải được tệp JSON, hãy thử lại.",
    "Toggle show closest data on hover": "Bật/tắt hiện số liệu gần nhất",
    "Toggle Spike Lines": "Bật/tắt đường gióng",
    "Zoom": "Phóng to vùng chọn",
    "Zoom in": "Phóng to",
    "Zoom out": "Thu nhỏ",
}

LOCALE = "vi"
# download (toImage), zoom and back; the rest (select, lasso, spikes, autoscale) only confuses
# (plotly.js 3 has no "buttons to keep": ``modeBarButtons`` lists the groups shown, in order)
TOOLBAR_BUTTONS = [["toImage"], ["zoom2d", "zoomIn2d", "zoomOut2d", "resetScale2d"]]


def plotly_config(filename: str = "bieu-do") -> dict:
    """The config of every chart on the dashboard: Vietnamese tooltips, a short toolbar, no logo,
    and a PNG download named in Vietnamese (no accents: file systems and email keep it intact)."""
    return {
        "displaylogo": False,
        "locale": LOCALE,
        "locales": {LOCALE: {"dictionary": dict(DICTIONARY_VI)}},
        "modeBarButtons": [list(group) for group in TOOLBAR_BUTTONS],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }
