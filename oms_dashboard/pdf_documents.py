"""Shipping labels (100 × 150 mm pages) and package documents (A4) as PDF, drawn by ReportLab.

The text is set in DejaVu Sans, bundled under `static/fonts/`: ReportLab's built-in fonts cover
Latin-1 only and cannot draw ş, ğ, ı or İ. Barcodes are ReportLab's own Code 128, scaled down to the
width they have (never up past a thermal printer's comfortable module), with 10-module quiet zones.
Every text is cut to the lines its box has, with an ellipsis, so nothing runs off a page. The words are in
the request's language (English outside a request).
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import gettext, ngettext
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .config import PROJECT_ROOT
from .i18n import current_language
from .models import Package
from .selectors.documents import LabelContent
from .states import PackageStatus
from .text import address_line, as_text, field_text, person_name

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
FONT_DIR = PROJECT_ROOT / "static" / "fonts"
LABEL_SIZE = (100 * mm, 150 * mm)
LABEL_MARGIN = 4 * mm
MAX_MODULE = 0.38 * mm  # 3 dots of a 203 dpi thermal head: wider bars only waste the label
QUIET_MODULES = 10


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def upper(text: str) -> str:
    """Capitals in the page's language: a Turkish "i" is "İ" and "ı" is "I" ("Kimden" → "KİMDEN")."""
    if current_language() == "tr":
        text = text.replace("i", "İ").replace("ı", "I")
    return text.upper()


def _is_code128_text(text: str) -> bool:
    # The same rule as the pages' SVG barcodes: Code 128 covers ASCII; control characters are not printed.
    return bool(text) and text.isascii() and text.isprintable()


def fitted_barcode(text: str, *, width: float, height: float) -> Code128 | None:
    """`text` as Code 128 no wider than `width` (quiet zones included), or None when it cannot be encoded."""
    if not _is_code128_text(text):
        return None
    probe = Code128(text, barWidth=1, barHeight=height, lquiet=QUIET_MODULES, rquiet=QUIET_MODULES)
    module = min(MAX_MODULE, width / probe.width)
    quiet = QUIET_MODULES * module
    return Code128(text, barWidth=module, barHeight=height, lquiet=quiet, rquiet=quiet, quiet=1)


def wrap(text: str, *, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """`text` broken into lines of at most `width` (a word longer than the line is broken too), at most
    `max_lines` of them, the last ending in "…" when the text was cut."""
    fits = lambda line: pdfmetrics.stringWidth(line, font, size) <= width  # noqa: E731
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while not fits(current):  # a word wider than the line: as many characters as fit
            cut = len(current) - 1
            while cut > 1 and not fits(current[:cut]):
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and not fits(last + "…"):
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return lines


class _LabelPainter:
    """Draws one label on the current page of `canvas`, top to bottom, in mm from the top-left margin."""

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.left = LABEL_MARGIN
        self.width = LABEL_SIZE[0] - 2 * LABEL_MARGIN
        self.y = LABEL_SIZE[1] - LABEL_MARGIN  # the top of the next thing drawn

    def text(
        self,
        text: str,
        *,
        size: float,
        bold: bool = False,
        max_lines: int = 1,
        width: float | None = None,
        centre: bool = False,
        gap: float = 0.25,
    ) -> None:
        font = BOLD if bold else FONT
        box = width or self.width
        for line in wrap(text, font=font, size=size, width=box, max_lines=max_lines):
            self.y -= size * (1 + gap)
            if centre:
                self.canvas.setFont(font, size)
                self.canvas.drawCentredString(self.left + self.width / 2, self.y + size * gap, line)
            else:
                self.canvas.setFont(font, size)
                self.canvas.drawString(self.left, self.y + size * gap, line)

    def caption(self, text: str) -> None:
        self.text(upper(text), size=6.5, bold=True)

    def rule(self, space: float = 1.5 * mm) -> None:
        self.y -= space
        self.canvas.setLineWidth(0.8)
        self.canvas.line(self.left, self.y, self.left + self.width, self.y)
        self.y -= space

    def move_to(self, top_from_page_top: float) -> None:
        """Sections start at fixed heights, so a short address leaves the barcodes where they always are."""
        self.y = LABEL_SIZE[1] - top_from_page_top

    def barcode(self, text: str, *, height: float, width: float | None = None) -> None:
        box = width or self.width
        drawing = fitted_barcode(text, width=box, height=height)
        self.y -= height
        if drawing is None:
            self.canvas.setFont(FONT, 7)
            self.canvas.drawCentredString(
                self.left + self.width / 2, self.y + height / 2, gettext("(no barcode: not Code 128 text)")
            )
            return
        drawing.drawOn(self.canvas, self.left + (self.width - drawing.width) / 2, self.y)


def _draw_label(canvas: Canvas, label: LabelContent) -> None:
    paint = _LabelPainter(canvas)
    # Carrier and piece count (the count sits in a box at the right of the carrier's name).
    count_box = 24 * mm
    paint.text(
        label.carrier or gettext("No cargo company yet"), size=14, bold=True, width=paint.width - count_box - 2 * mm
    )
    canvas.setFont(FONT, 6.5)
    canvas.drawRightString(paint.left + paint.width, LABEL_SIZE[1] - LABEL_MARGIN - 7, upper(gettext("Pieces")))
    canvas.setFont(BOLD, 14)
    canvas.drawRightString(paint.left + paint.width, LABEL_SIZE[1] - LABEL_MARGIN - 22, str(label.pieces))
    paint.move_to(LABEL_MARGIN + 10 * mm)
    paint.rule()

    paint.caption(gettext("From"))
    paint.text(label.sender.name, size=9, bold=True, max_lines=2)
    paint.text(" ".join(filter(None, (label.sender.address, label.sender.city))), size=8, max_lines=2)
    if label.sender.phone:
        paint.text(gettext("Tel: %(phone)s", phone=label.sender.phone), size=8)
    paint.move_to(LABEL_MARGIN + 31 * mm)
    paint.rule()

    paint.caption(gettext("To"))
    paint.text(label.recipient.name or "—", size=12, bold=True, max_lines=2)
    paint.text(label.recipient.address, size=9, max_lines=4)
    paint.text(label.recipient.city, size=10, bold=True)
    if label.recipient.phone:
        paint.text(gettext("Tel: %(phone)s", phone=label.recipient.phone), size=9)
    paint.move_to(LABEL_MARGIN + 75 * mm)
    paint.rule()

    paint.caption(gettext("Tracking number"))
    paint.y -= 1 * mm
    paint.barcode(label.tracking_number, height=24 * mm)
    paint.text(label.tracking_number or "—", size=11, bold=True, max_lines=2, centre=True)
    paint.move_to(LABEL_MARGIN + 115 * mm)
    paint.rule()

    paint.caption(gettext("Package"))
    paint.y -= 0.5 * mm
    paint.barcode(label.package_number, height=10 * mm, width=paint.width * 0.75)
    paint.text(
        gettext("%(package)s · Order %(order)s", package=label.package_number, order=label.order_number),
        size=8,
        bold=True,
        max_lines=1,
        centre=True,
    )
    paint.text(
        ngettext(
            "%(num)d piece · label v%(version)s",
            "%(num)d pieces · label v%(version)s",
            label.pieces,
            version=label.version,
        ),
        size=6.5,
        centre=True,
    )


def labels_pdf(labels: Sequence[LabelContent], *, title: str) -> bytes:
    """One 100 × 150 mm page per label."""
    _register_fonts()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, pageCompression=1)
    canvas.setTitle(title)
    for label in labels:
        _draw_label(canvas, label)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- the package document (A4) ----------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13, wordWrap="CJK")  # CJK: breaks long words
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=18, leading=22),
        "caption": ParagraphStyle("caption", parent=base, fontName=BOLD, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=9, leading=11),
        "number": ParagraphStyle("number", parent=base, fontName=BOLD, alignment=1),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    # Paragraph reads a little markup: stored text is escaped so it prints as it is.
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class _Barcode(Flowable):
    """A Code 128 that fits `width`, with the number under it."""

    def __init__(self, text: str, *, width: float, height: float, style: ParagraphStyle):
        super().__init__()
        self.drawing = fitted_barcode(text, width=width, height=height)
        self.caption = _para(text, style)
        self.box_width, self.bar_height = width, height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.caption_height = self.caption.wrap(self.box_width, available_height)[1]
        return self.box_width, (self.bar_height if self.drawing else 0) + self.caption_height + 2

    def draw(self) -> None:
        if self.drawing:
            self.drawing.drawOn(self.canv, (self.box_width - self.drawing.width) / 2, self.caption_height + 2)
        self.caption.drawOn(self.canv, 0, 0)


def _document_story(package: Package, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    order = package.order
    items = package.active_items
    location = package.stock_location
    head = Table(
        [
            [
                [
                    _para(gettext("Package Document"), styles["title"]),
                    _para(
                        f"{gettext('Order %(number)s', number=order.number)} · {order.channel or '—'}", styles["body"]
                    ),
                ],
                _Barcode(package.number, width=75 * mm, height=16 * mm, style=styles["number"]),
            ]
        ],
        colWidths=[width - 80 * mm, 80 * mm],
    )
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.5, colors.black),
            ]
        )
    )
    address = order.shipping_address
    parties = Table(
        [
            [_para(upper(gettext("From")), styles["caption"]), _para(upper(gettext("To")), styles["caption"])],
            [
                _para(f"{location.name}\n{location.city}", styles["body"]),
                _para(
                    "\n".join(
                        filter(
                            None,
                            (
                                person_name(order.customer) or "—",
                                address_line(address),
                                field_text(address, "city"),
                                field_text(address, "phone") or field_text(order.customer, "phone"),
                            ),
                        )
                    ),
                    styles["body"],
                ),
            ],
        ],
        colWidths=[width / 2, width / 2],
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    rows = [[_para(text, styles["head"]) for text in ("#", gettext("SKU"), gettext("Product"), gettext("Barcode"))]]
    for number, item in enumerate(items, start=1):
        product = item.product
        rows.append(
            [_para(str(number), styles["cell"])]
            + [_para(as_text(value), styles["cell"]) for value in (product.sku, product.name, product.barcode)]
        )
    table = Table(rows, colWidths=[10 * mm, 40 * mm, width - 95 * mm, 45 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    total = ngettext(
        "%(num)d item · Status: %(status)s",
        "%(num)d items · Status: %(status)s",
        len(items),
        status=gettext(PackageStatus(package.status).label),
    )
    return [head, Spacer(1, 6 * mm), parties, Spacer(1, 6 * mm), table, Spacer(1, 4 * mm), _para(total, styles["head"])]


def documents_pdf(packages: Sequence[Package], *, title: str) -> bytes:
    """One package document per package on A4, each starting on a new page."""
    _register_fonts()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    styles = _styles()
    story: list[Flowable] = []
    for index, package in enumerate(packages):
        if index:
            story.append(PageBreak())
        story.extend(_document_story(package, styles, document.width))
    document.build(story)
    return buffer.getvalue()
