//! One page's drawing, collected by layer and drawn on a krilla surface at the end.
//!
//! The layout code draws in whatever order is natural (a row's shading, its text, its rules),
//! but the content stream is shortest drawn by layer: fills of one grey as one path, rules of
//! one thickness as one path, then the text, each line shaped by [`fonts::shape_line`] (the
//! same shaping that measured it) and everything on one baseline in one font drawn as a single
//! glyph run. So [`Canvas`] keeps three lists and draws them in that order, changing colour and
//! line width only when they change.
//!
//! Coordinates are points from the bottom-left corner, as in PDF. They are rounded to 1/100 pt
//! before they are written, which keeps the stream short and the bytes identical across runs.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Data;

use super::fonts::{self, Face, FontId};

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

struct Shading {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    grey: Grey,
}

/// The drawing of one page.
#[derive(Default)]
pub(crate) struct Canvas {
    fills: Vec<Shading>,
    rules: Vec<Rule>,
    texts: Vec<TextRun>,
}

fn round(value: f32) -> f32 {
    (value * 100.0).round() / 100.0
}

fn grey(level: Grey) -> Fill {
    Fill {
        paint: luma::Color::new((level.clamp(0.0, 1.0) * 255.0).round() as u8).into(),
        ..Fill::default()
    }
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
        // A run is one line. A line break or other control character left in it would be drawn
        // as a missing glyph, which the archival profile refuses for the whole document, so
        // any that a caller let through is drawn as a space.
        let text = if text.chars().any(char::is_control) {
            text.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        } else {
            text.to_owned()
        };
        self.texts.push(TextRun {
            x,
            y,
            face,
            size,
            grey,
            text,
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
        self.fills.push(Shading {
            x,
            y,
            width,
            height,
            grey,
        });
    }

    /// Draws the page on `surface`: fills, then rules, then the text. Canvas coordinates
    /// are from the bottom-left, krilla's from the top-left, so `y` flips against
    /// `page_height`.
    pub(crate) fn draw(self, surface: &mut Surface<'_>, page_height: f32) {
        let flip = |y: f32| round(page_height - y);

        // The fills and the rules below are batched alike, one path per shade or thickness,
        // but with different primitives and state, so each keeps its own loop.
        surface.set_stroke(None);
        let mut shade: Option<Grey> = None;
        let mut path = PathBuilder::new();
        for fill in &self.fills {
            if shade != Some(fill.grey) {
                fill_path(surface, std::mem::take(&mut path), shade);
                shade = Some(fill.grey);
            }
            let rect = Rect::from_xywh(
                round(fill.x),
                flip(fill.y + fill.height),
                round(fill.width),
                round(fill.height),
            );
            if let Some(rect) = rect {
                path.push_rect(rect);
            }
        }
        fill_path(surface, path, shade);

        surface.set_fill(None);
        let mut thickness: Option<f32> = None;
        let mut path = PathBuilder::new();
        for rule in &self.rules {
            if thickness != Some(rule.thickness) {
                stroke_path(surface, std::mem::take(&mut path), thickness);
                thickness = Some(rule.thickness);
            }
            path.move_to(round(rule.from.0), flip(rule.from.1));
            path.line_to(round(rule.to.0), flip(rule.to.1));
        }
        stroke_path(surface, path, thickness);

        surface.set_stroke(None);
        let mut current_grey: Option<u32> = None;
        for (key, mut pieces) in text_lines(&self.texts) {
            if current_grey != Some(key.grey) {
                surface.set_fill(Some(grey(f32::from_bits(key.grey))));
                current_grey = Some(key.grey);
            }
            pieces.sort_by(|a, b| a.x.total_cmp(&b.x));
            let size = f32::from_bits(key.size);
            let mut text = String::new();
            let mut glyphs: Vec<KrillaGlyph> = Vec::new();
            let mut pen = pieces[0].x;
            for piece in &pieces {
                // The gap to this piece widens the previous glyph's advance, so the whole
                // baseline is one run: one text object instead of one per cell.
                if let Some(last) = glyphs.last_mut() {
                    last.x_advance += (piece.x - pen) / size;
                }
                let low = piece.glyphs.iter().map(|g| g.text.start).min().unwrap_or(0);
                let high = piece.glyphs.iter().map(|g| g.text.end).max().unwrap_or(0);
                let shift = text.len();
                text.push_str(&piece.text[low..high]);
                glyphs.extend(piece.glyphs.iter().map(|glyph| {
                    KrillaGlyph::new(
                        GlyphId::new(u32::from(glyph.id)),
                        glyph.advance,
                        glyph.x_offset,
                        glyph.y_offset,
                        0.0,
                        glyph.text.start - low + shift..glyph.text.end - low + shift,
                        None,
                    )
                }));
                pen = piece.x + piece.glyphs.iter().map(|g| g.advance).sum::<f32>() * size;
            }
            surface.draw_glyphs(
                Point::from_xy(pieces[0].x, flip(f32::from_bits(key.y))),
                &glyphs,
                pdf_font(FontId(key.font)),
                &text,
                size,
                false,
            );
        }
    }
}

/// What one text run on the page shares with others drawn in the same operation: grey, size,
/// font and baseline (as bits, so the keys order the same way on every run).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct LineKey {
    grey: u32,
    size: u32,
    font: usize,
    y: u32,
}

/// A shaped segment of a text run, at its place on the baseline.
struct Piece<'t> {
    x: f32,
    glyphs: Vec<fonts::Glyph>,
    text: &'t str,
}

/// The page's text shaped and gathered by baseline, font, size and grey. A table row prints
/// a dozen cells on one baseline; drawn as one glyph run they cost one text object instead
/// of twelve, which keeps the content stream (and its compression) about half as large.
fn text_lines(texts: &[TextRun]) -> BTreeMap<LineKey, Vec<Piece<'_>>> {
    let mut lines: BTreeMap<LineKey, Vec<Piece<'_>>> = BTreeMap::new();
    for run in texts {
        let mut x = round(run.x);
        for segment in fonts::shape_line(run.face, &run.text) {
            let advance = segment.advance() * run.size;
            if !segment.glyphs.is_empty() {
                let key = LineKey {
                    grey: run.grey.to_bits(),
                    size: run.size.to_bits(),
                    font: segment.font.0,
                    y: round(run.y).to_bits(),
                };
                lines.entry(key).or_default().push(Piece {
                    x,
                    glyphs: segment.glyphs,
                    text: &run.text,
                });
            }
            x += advance;
        }
    }
    lines
}

/// Fills the collected rectangles of one grey.
fn fill_path(surface: &mut Surface<'_>, path: PathBuilder, shade: Option<Grey>) {
    let (Some(shade), Some(path)) = (shade, path.finish()) else {
        return;
    };
    surface.set_fill(Some(grey(shade)));
    surface.draw_path(&path);
}

/// Strokes the collected rules of one thickness.
fn stroke_path(surface: &mut Surface<'_>, path: PathBuilder, thickness: Option<f32>) {
    let (Some(width), Some(path)) = (thickness, path.finish()) else {
        return;
    };
    surface.set_stroke(Some(Stroke {
        width,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
}

/// The PDF writer's handle on a bundled font, made once per process (krilla hashes the whole
/// font program when it is made).
fn pdf_font(font: FontId) -> Font {
    static FONTS: [OnceLock<Font>; fonts::BUNDLED.len()] =
        [const { OnceLock::new() }; fonts::BUNDLED.len()];
    FONTS[font.0]
        .get_or_init(|| {
            Font::new(Data::from(fonts::BUNDLED[font.0].data), 0).unwrap_or_else(|| {
                panic!("bundled font {} does not load", fonts::BUNDLED[font.0].file)
            })
        })
        .clone()
}
