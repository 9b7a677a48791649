"""Code 128 barcodes for package documents and shipping labels, drawn by python-barcode."""

from __future__ import annotations

import re

import barcode
from barcode.writer import SVGWriter
from markupsafe import Markup

_SIZE = re.compile(r'width="([\d.]+)mm" height="([\d.]+)mm"')
_STYLE_FILL = re.compile(r'style="fill:([#\w]+);?"')
_USER_UNITS_PER_MM = 96 / 25.4  # SVG user units are CSS pixels


def code128_svg(text: str) -> Markup | None:
    """Inline SVG of `text` as Code 128 (no human-readable line: the page prints it as text), or None
    when the text cannot be encoded (Code 128 covers ASCII only)."""
    if not text or not text.isascii():
        return None
    try:
        svg = barcode.Code128(text, writer=SVGWriter()).render(
            {"write_text": False, "module_height": 14.0, "module_width": 0.3, "quiet_zone": 2.0}
        )
    except (barcode.errors.BarcodeError, ValueError):
        return None
    svg = svg.decode()
    svg = svg[svg.index("<svg") :]
    # python-barcode sizes the drawing in mm with no viewBox, so CSS could not scale it: give it one.
    size = _SIZE.search(svg)
    if size:
        width, height = (float(value) * _USER_UNITS_PER_MM for value in size.groups())
        svg = _SIZE.sub(f'viewBox="0 0 {width:.2f} {height:.2f}" role="img"', svg, count=1)
    # The Content-Security-Policy refuses inline style attributes; a fill attribute draws the same.
    svg = _STYLE_FILL.sub(r'fill="\1"', svg)
    return Markup(svg)
