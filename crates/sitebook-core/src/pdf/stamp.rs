//! A withdrawn document's PDF as it leaves the office: every page of the file as it was made,
//! under a large translucent WITHDRAWN across it and two lines in the top margin that say it is
//! not in force, and when, by whom and why it was withdrawn.
//!
//! The stored file is never changed: its bytes and hash are the record of what was issued, and
//! the in-app preview shows it with a note beside it. Only the copies that leave the data folder
//! (Save as, `outputs export`, the system viewer) are stamped, since a printed or mailed copy
//! of a withdrawn bill would otherwise look like one in force.
//!
//! The copy is a plain PDF, not PDF/A: it is a notice about a document, not the document.
//! Its pages are the original's, embedded whole, so nothing on them is re-laid out.

use std::sync::Arc;

use krilla::geom::{Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::pdf::{Pdf, PdfDocument};
use krilla::Document;

use super::canvas::Canvas;
use super::describe;
use super::fonts::{text_width, truncate_to_width, Face};
use crate::render::{RenderError, WithdrawnNotice};

/// The word across each page.
const STAMP: &str = "WITHDRAWN";
/// The notice lines' size, in points; they sit in the renderer's top margin.
const NOTICE_SIZE: f32 = 7.0;
/// How far the notice's first baseline is below the top edge, and the second's below it.
const NOTICE_DROP: f32 = 11.0;
const NOTICE_LEADING: f32 = 8.5;
/// How far the notice keeps from the side edges.
const NOTICE_SIDE: f32 = 26.0;

/// `original`, every page stamped as withdrawn with `notice`. A file that is not a PDF Sitebook
/// can read is refused, with the reader's reason.
pub fn stamp_withdrawn(original: &[u8], notice: &WithdrawnNotice) -> Result<Vec<u8>, RenderError> {
    let unreadable = |why: String| {
        RenderError::PdfWriter(format!(
            "the withdrawn file could not be read as a PDF ({why})"
        ))
    };
    let pdf = Pdf::new(Arc::new(original.to_vec())).map_err(|e| unreadable(format!("{e:?}")))?;
    let sizes: Vec<(f32, f32)> = pdf
        .pages()
        .iter()
        .map(|page| page.render_dimensions())
        .collect();
    // A copy with no pages would carry no stamp at all.
    if sizes.is_empty() {
        return Err(unreadable("it has no pages".to_owned()));
    }
    let embedded = PdfDocument::new(Arc::new(pdf));
    let mut document = Document::new();
    let lines = notice.lines();
    for (index, &(width, height)) in sizes.iter().enumerate() {
        let bad_size = || RenderError::PdfWriter(format!("bad page size {width}x{height}"));
        let mut page =
            document.start_page_with(PageSettings::from_wh(width, height).ok_or_else(bad_size)?);
        let mut surface = page.surface();
        surface.draw_pdf_page(
            &embedded,
            Size::from_wh(width, height).ok_or_else(bad_size)?,
            index,
        );

        // The word runs corner to corner, as large as the page's diagonal allows, translucent
        // so that every figure under it still reads.
        let diagonal = (width * width + height * height).sqrt();
        let unit = text_width(Face::Bold, 1.0, STAMP);
        let size = (diagonal * 0.6 / unit).min(140.0);
        let angle = -(height / width).atan().to_degrees();
        let mut word = Canvas::default();
        word.grey_text(
            (width - unit * size) / 2.0,
            (height - size * 0.7) / 2.0,
            Face::Bold,
            size,
            0.35,
            STAMP,
        );
        surface.push_transform(&Transform::from_rotate_at(angle, width / 2.0, height / 2.0));
        surface.push_opacity(NormalizedF32::new(0.28).unwrap_or(NormalizedF32::ONE));
        word.draw(&mut surface, height);
        surface.pop();
        surface.pop();

        let room = width - 2.0 * NOTICE_SIDE;
        let mut top = Canvas::default();
        for (k, (line, face)) in lines.iter().zip([Face::Bold, Face::Regular]).enumerate() {
            top.text(
                NOTICE_SIDE,
                height - NOTICE_DROP - k as f32 * NOTICE_LEADING,
                face,
                NOTICE_SIZE,
                &truncate_to_width(face, NOTICE_SIZE, line, room),
            );
        }
        top.draw(&mut surface, height);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| RenderError::PdfWriter(describe(&e)))
}
