//! One page's drawing, collected by layer and turned into printpdf `Op`s at the end.
//!
//! The layout code draws in whatever order is natural (a row's shading, its text, its rules),
//! but a PDF content stream wants fills first, then rules, then one text section: text and
//! path operators cannot interleave inside a text object, and switching in and out of text
//! mode for every cell would double the stream. So [`Canvas`] keeps three lists and emits them
//! in that order, setting font, colour and line width only when they change.
//!
//! Coordinates are points from the bottom-left corner, as in PDF. They are rounded to 1/100 pt
//! before they are written, which keeps the stream short and the bytes identical across runs.

use printpdf::{
    Color, Greyscale, Line, LinePoint, Op, PaintMode, PdfFontHandle, Point, Pt, Rect, TextItem,
    TextMatrix, WindingOrder,
};

use super::fonts::Face;

/// A grey level, 0.0 black to 1.0 white.
pub(crate) type Grey = f32;

struct TextRun {
    x: f32,
    y: f32,
    face: Face,
    size: f32,
    grey: Grey,
    text: String,
}

struct Rule {
    from: (f32, f32),
    to: (f32, f32),
    thickness: f32,
}

struct Fill {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    grey: Grey,
}

/// The drawing of one page.
#[derive(Default)]
pub(crate) struct Canvas {
    fills: Vec<Fill>,
    rules: Vec<Rule>,
    texts: Vec<TextRun>,
}

fn round(value: f32) -> f32 {
    (value * 100.0).round() / 100.0
}

fn point(x: f32, y: f32) -> Point {
    Point {
        x: Pt(round(x)),
        y: Pt(round(y)),
    }
}

fn grey(level: Grey) -> Color {
    Color::Greyscale(Greyscale {
        percent: level,
        icc_profile: None,
    })
}

impl Canvas {
    /// Draws printable, single-line `text` with its baseline starting at (`x`, `y`).
    pub(crate) fn text(&mut self, x: f32, y: f32, face: Face, size: f32, text: &str) {
        self.grey_text(x, y, face, size, 0.0, text);
    }

    /// Like [`text`](Self::text), in a grey level.
    pub(crate) fn grey_text(
        &mut self,
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        grey: Grey,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        self.texts.push(TextRun {
            x,
            y,
            face,
            size,
            grey,
            text: text.to_owned(),
        });
    }

    /// A straight rule.
    pub(crate) fn rule(&mut self, from: (f32, f32), to: (f32, f32), thickness: f32) {
        self.rules.push(Rule {
            from,
            to,
            thickness,
        });
    }

    /// A filled rectangle, (`x`, `y`) its lower-left corner.
    pub(crate) fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, grey: Grey) {
        self.fills.push(Fill {
            x,
            y,
            width,
            height,
            grey,
        });
    }

    /// The page's operations: fills, then rules, then a single text section.
    pub(crate) fn into_ops(self) -> Vec<Op> {
        let mut ops = Vec::with_capacity(
            2 * self.fills.len() + 2 * self.rules.len() + 2 * self.texts.len() + 8,
        );

        let mut current_grey: Option<Grey> = None;
        for fill in self.fills {
            if current_grey != Some(fill.grey) {
                ops.push(Op::SetFillColor {
                    col: grey(fill.grey),
                });
                current_grey = Some(fill.grey);
            }
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(round(fill.x)),
                    y: Pt(round(fill.y)),
                    width: Pt(round(fill.width)),
                    height: Pt(round(fill.height)),
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            });
        }

        if !self.rules.is_empty() {
            ops.push(Op::SetOutlineColor { col: grey(0.0) });
        }
        let mut current_thickness: Option<f32> = None;
        for rule in self.rules {
            if current_thickness != Some(rule.thickness) {
                ops.push(Op::SetOutlineThickness {
                    pt: Pt(rule.thickness),
                });
                current_thickness = Some(rule.thickness);
            }
            ops.push(Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: point(rule.from.0, rule.from.1),
                            bezier: false,
                        },
                        LinePoint {
                            p: point(rule.to.0, rule.to.1),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            });
        }

        if !self.texts.is_empty() {
            ops.push(Op::StartTextSection);
            let mut current_font: Option<(Face, f32)> = None;
            for run in self.texts {
                if current_grey != Some(run.grey) {
                    ops.push(Op::SetFillColor {
                        col: grey(run.grey),
                    });
                    current_grey = Some(run.grey);
                }
                if current_font != Some((run.face, run.size)) {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::Builtin(run.face.builtin()),
                        size: Pt(run.size),
                    });
                    current_font = Some((run.face, run.size));
                }
                ops.push(Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(Pt(round(run.x)), Pt(round(run.y))),
                });
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(run.text)],
                });
            }
            ops.push(Op::EndTextSection);
        }
        ops
    }
}
