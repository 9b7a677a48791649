"""Code 128 barcodes for package documents and shipping labels, drawn by python-barcode."""

from __future__ import annotations

import re

import barcode
from barcode.writer import SVGWriter
from markupsafe import Markup

_SIZE = re.compile(r'width="([\d.]+)mm" height="([\d.]+)mm"')
_STYLE_FILL = re.compile(r'style="fill:([#\w]+);?"')
_GROUP_ID = re.compile(r'<g id="[^"]*">')
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_USER_UNITS_PER_MM = 96 / 25.4  # SVG user units are CSS pixels
MODULE_WIDTH_MM = 0.3
# Code 128 asks for a quiet zone of at least 10 modules on each side; it scales with the bars.
QUIET_ZONE_MM = 10 * MODULE_WIDTH_MM


def code128_svg(text: str) -> Markup | None:
    """Inline SVG of `text` as Code 128 (no human-readable line: the page prints it as text), or None
    when the text cannot be encoded (Code 128 covers ASCII only).

    The SVG has a viewBox and no size of its own, and stretches to the box CSS gives it
    (`preserveAspectRatio="none"`): a label sets the width to its content box and the height in mm,
    so a long number makes narrower bars rather than a barcode that runs off the page."""
    if not text or not text.isascii():
        return None
    try:
        svg = barcode.Code128(text, writer=SVGWriter()).render(
            {"write_text": False, "module_height": 14.0, "module_width": MODULE_WIDTH_MM, "quiet_zone": QUIET_ZONE_MM}
        )
    except (barcode.errors.BarcodeError, ValueError):
        return None
    svg = svg.decode()
    svg = svg[svg.index("<svg") :]
    # python-barcode sizes the drawing in mm with no viewBox, so CSS could not scale it: give it one.
    # crispEdges: bars snap to whole dots, with no grey edge a thermal head would print half-way.
    size = _SIZE.search(svg)
    if size:
        width, height = (float(value) * _USER_UNITS_PER_MM for value in size.groups())
        svg = _SIZE.sub(
            f'viewBox="0 0 {width:.2f} {height:.2f}" preserveAspectRatio="none" shape-rendering="crispEdges" role="img"',
            svg,
            count=1,
        )
    # The Content-Security-Policy refuses inline style attributes; a fill attribute draws the same.
    svg = _STYLE_FILL.sub(r'fill="\1"', svg)
    # A batch page holds many barcodes: no repeated element ids, no generator comment.
    svg = _COMMENT.sub("", _GROUP_ID.sub("<g>", svg))
    return Markup(svg)
