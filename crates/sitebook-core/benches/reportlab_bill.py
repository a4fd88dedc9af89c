#!/usr/bin/env python3
"""ReportLab side of the renderer benchmark: the 500-item first bill, built the way a Python
user would build it with platypus.

It reads the bill as the Rust bench prints it (target/bench-workbooks/first_bill_500.csv, written by
`cargo bench`), so both sides lay out the same text: the title, the header lines, an
8-column table (S.No | Quantity | Unit | Item | Rate | Per | Unit | Amount) whose descriptions
wrap in a Paragraph, `repeatRows=1` so the heading row repeats on every page, AE rows in
italics, the totals, the amount in words, signature captions and "Page x of y" from the usual
two-pass NumberedCanvas recipe. Built-in Times fonts, A4, same margins and column widths.

Not reproduced: the "Brought forward" / "Carried forward" running totals, which platypus has
no notion of (they would need a custom Table split); that only makes ReportLab's job lighter.

Usage: python3 benches/reportlab_bill.py [target/bench-workbooks/first_bill_500.csv] [runs]
Prints the time per build (best and median of `runs`, after one warm-up) and the size.
"""

import csv
import io
import statistics
import os
import sys
import time
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

# The Rust layout's column widths for this bill at 9 pt, in points.
COLUMN_WIDTHS = [24, 45, 27, 290, 49, 19, 27, 63]
HEADINGS = ["S.No", "Quantity", "Unit", "Item", "Rate", "Per", "Unit", "Amount"]


class NumberedCanvas(pdfcanvas.Canvas):
    """Defers every page until the count is known, then stamps "Page x of y"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        count = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Times-Roman", 7.5)
            self.drawCentredString(A4[0] / 2, 24, f"Page {self._pageNumber} of {count}")
            super().showPage()
        super().save()


def read_bill(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build(lines):
    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=9, leading=10.8)
    italic = ParagraphStyle("italic", parent=body, fontName="Times-Italic")
    heading = ParagraphStyle("heading", parent=body, fontName="Times-Bold", alignment=TA_CENTER)
    title = ParagraphStyle("title", fontName="Times-Bold", fontSize=13, leading=16, alignment=TA_CENTER)
    header = ParagraphStyle("header", fontName="Times-Roman", fontSize=9, leading=10.8)

    story = []
    data = [[Paragraph(h, heading) for h in HEADINGS]]
    styles = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.86, 0.86, 0.86)),
        ("FONTNAME", (0, 1), (-1, -1), "Times-Roman"),
        ("FONTSIZE", (0, 1), (-1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1), (1, -1), "RIGHT"),
        ("ALIGN", (4, 1), (4, -1), "RIGHT"),
        ("ALIGN", (7, 1), (7, -1), "RIGHT"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (2, 1), (2, -1), "CENTER"),
        ("ALIGN", (5, 1), (6, -1), "CENTER"),
    ]
    words = ""
    for line in lines:
        kind = line["kind"]
        if kind == "title":
            story.append(Paragraph(escape(line["item"]), title))
        elif kind == "header":
            label, _, value = line["item"].partition(": ")
            text = f"<b>{escape(label)}:</b> {escape(value)}" if value else escape(label)
            story.append(Paragraph(text, header))
        elif kind in ("item", "excess"):
            row = len(data)
            style = italic if kind == "excess" else body
            data.append([
                line["serial"], line["quantity"], line["unit"],
                Paragraph(escape(line["item"]), style),
                line["rate"], line["per"], line["per_unit"], line["amount"],
            ])
            if kind == "excess":
                styles.append(("FONTNAME", (0, row), (-1, row), "Times-Italic"))
                styles.append(("BACKGROUND", (0, row), (-1, row), colors.Color(0.93, 0.93, 0.93)))
        elif kind == "total":
            row = len(data)
            data.append([line["item"], "", "", "", "", "", "", line["amount"]])
            styles.append(("SPAN", (0, row), (6, row)))
            styles.append(("ALIGN", (0, row), (6, row), "RIGHT"))
            styles.append(("FONTNAME", (0, row), (-1, row), "Times-Bold"))
        elif kind == "words":
            words = line["item"]

    table = Table(data, colWidths=COLUMN_WIDTHS, repeatRows=1)
    table.setStyle(TableStyle(styles))
    story += [Spacer(1, 6), table, Spacer(1, 8)]
    story.append(Paragraph(f"<b>Amount in words:</b> {escape(words)}", header))
    story.append(Spacer(1, 40))
    signatures = Table([["Prepared by", "Checked by", "Executive Engineer"]], colWidths=[181] * 3)
    signatures.setStyle(TableStyle([
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("FONTNAME", (0, 0), (-1, -1), "Times-Roman"),
        ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black),
    ]))
    story.append(signatures)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=26, rightMargin=26, topMargin=32, bottomMargin=44,
        title="CC First & Part Bill", invariant=1,
    )
    doc.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


def main():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "target", "bench-workbooks", "first_bill_500.csv")
    path = sys.argv[1] if len(sys.argv) > 1 else default
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    lines = read_bill(path)
    items = sum(1 for line in lines if line["kind"] == "item")
    pdf = build(lines)  # warm-up: imports, font metrics, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pdf = build(lines)
        times.append((time.perf_counter() - start) * 1000)
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
    import reportlab
    print(
        f"reportlab {reportlab.Version}, python {sys.version.split()[0]}: {items} items, "
        f"{len(pdf)} bytes, {pages} pages; best {min(times):.1f} ms, "
        f"median {statistics.median(times):.1f} ms over {runs} runs"
    )
    with open(path.replace(".csv", "_reportlab.pdf"), "wb") as f:
        f.write(pdf)


if __name__ == "__main__":
    main()
