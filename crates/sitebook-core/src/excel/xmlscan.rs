//! A tiny streaming XML tag scanner used by the limit checks.
//!
//! The pre-checks need a handful of facts (a sheet's `<dimension>`, the
//! sheet names, the repeat counts of an .ods table) before calamine touches
//! the file. Those facts sit in start tags and attributes, so a scanner that
//! yields tags and skips text is enough. It reads through a `BufRead` in
//! constant memory (one tag at a time, capped in size), so scanning a large
//! `content.xml` costs time but never memory.

#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::io::{self, BufRead};

/// Longest tag accepted; real tags are a few hundred bytes.
const MAX_TAG_BYTES: usize = 1 << 20;

/// What kind of tag was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// `<name ...>`
    Start,
    /// `</name>`
    End,
    /// `<name .../>`
    Empty,
}

/// One tag: its kind, qualified name and raw attribute text.
#[derive(Debug)]
pub struct Tag<'a> {
    /// Start, end or self-closing.
    pub kind: TagKind,
    /// The qualified name, e.g. `table:table-row`.
    pub name: &'a [u8],
    attrs: &'a [u8],
}

impl Tag<'_> {
    /// The value of the attribute whose qualified name is `key`, unescaped.
    pub fn attr(&self, key: &str) -> Option<Cow<'_, str>> {
        self.attrs_iter()
            .find(|(k, _)| *k == key.as_bytes())
            .map(|(_, v)| unescape(v))
    }

    /// The value of the first attribute whose local name (after any prefix)
    /// is `local`, e.g. `id` matches `r:id`.
    pub fn attr_local(&self, local: &str) -> Option<Cow<'_, str>> {
        self.attrs_iter()
            .find(|(k, _)| {
                let name = k.rsplit(|&b| b == b':').next().unwrap_or(k);
                name == local.as_bytes() && k.contains(&b':')
            })
            .map(|(_, v)| unescape(v))
    }

    /// Whether the attribute is present at all.
    pub fn has_attr(&self, key: &str) -> bool {
        self.attrs_iter().any(|(k, _)| k == key.as_bytes())
    }

    fn attrs_iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut rest = self.attrs;
        std::iter::from_fn(move || {
            let (key, value, after) = next_attribute(rest)?;
            rest = after;
            Some((key, value))
        })
    }
}

/// The first `key="value"` (or `'value'`) of the attribute text `rest`, and
/// the text after it; `None` when there is none or it is malformed.
pub(super) fn next_attribute(rest: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let rest = rest.trim_ascii_start();
    let eq = rest.iter().position(|&b| b == b'=')?;
    let key = rest[..eq].trim_ascii_end();
    let after = rest[eq + 1..].trim_ascii_start();
    let quote = *after.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let close = after[1..].iter().position(|&b| b == quote)?;
    Some((key, &after[1..1 + close], &after[close + 2..]))
}

fn unescape(raw: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('&') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_ref();
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            out.push_str(&rest[amp..]);
            return Cow::Owned(out);
        };
        let entity = &after[..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&rest[amp..amp + 1 + semi + 1]),
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Reads tags one at a time from XML text.
pub struct TagScanner<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: BufRead> TagScanner<R> {
    /// Scans the given reader.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(256),
        }
    }

    /// The next element tag, or `None` at the end of input. Comments,
    /// processing instructions, CDATA and declarations are skipped.
    pub fn next_tag(&mut self) -> io::Result<Option<Tag<'_>>> {
        loop {
            if !self.skip_to_tag_start()? {
                return Ok(None);
            }
            self.read_tag_body()?;
            if !(self.buf.starts_with(b"!") || self.buf.starts_with(b"?")) {
                break;
            }
        }
        let body = &self.buf[..];
        let (kind, inner) = if let Some(rest) = body.strip_prefix(b"/") {
            (TagKind::End, rest)
        } else if let Some(rest) = body.strip_suffix(b"/") {
            (TagKind::Empty, rest)
        } else {
            (TagKind::Start, body)
        };
        let name_end = inner
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(inner.len());
        let (name, attrs) = inner.split_at(name_end);
        Ok(Some(Tag {
            kind,
            name: name.trim_ascii(),
            attrs,
        }))
    }

    /// Consumes text up to and including the next `<`; false at end.
    fn skip_to_tag_start(&mut self) -> io::Result<bool> {
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(false);
            }
            if let Some(i) = chunk.iter().position(|&b| b == b'<') {
                self.reader.consume(i + 1);
                return Ok(true);
            }
            let n = chunk.len();
            self.reader.consume(n);
        }
    }

    /// Reads the tag after `<` up to its closing `>` into `buf` (without the
    /// brackets), honouring quotes, comments and CDATA sections.
    fn read_tag_body(&mut self) -> io::Result<()> {
        let buf = &mut self.buf;
        buf.clear();
        let mut quote: Option<u8> = None;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "XML ends inside a tag",
                ));
            }
            let mut consumed = 0;
            let mut done = false;
            for &b in chunk {
                consumed += 1;
                match quote {
                    Some(q) if b == q => quote = None,
                    Some(_) => {}
                    None if b == b'>' && tag_may_end_here(buf) => {
                        done = true;
                        break;
                    }
                    None if (b == b'"' || b == b'\'') && !is_special_section(buf) => {
                        quote = Some(b)
                    }
                    None => {}
                }
                buf.push(b);
            }
            self.reader.consume(consumed);
            if done {
                return Ok(());
            }
            if buf.len() > MAX_TAG_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "an XML tag is implausibly long",
                ));
            }
        }
    }
}

fn is_special_section(buf: &[u8]) -> bool {
    buf.starts_with(b"!--") || buf.starts_with(b"![CDATA[")
}

/// Comments and CDATA may contain `>`; they end only at `-->` / `]]>`.
fn tag_may_end_here(buf: &[u8]) -> bool {
    if buf.starts_with(b"!--") {
        buf.len() >= 5 && buf.ends_with(b"--")
    } else if buf.starts_with(b"![CDATA[") {
        buf.ends_with(b"]]")
    } else {
        true
    }
}

/// How much of a part's start [`declares_doctype`] is given by readers that stream the part.
pub(crate) const PROLOG_BYTES: usize = 64 * 1024;

/// Whether an XML part declares a document type (`<!DOCTYPE …>`) before its root element.
/// Spreadsheet programs never write one, and one may define entities, which the readers here
/// do not expand: a value using one was read as if empty, without a word. `start` is the
/// part's beginning, `whole` says whether it is all of it; a prolog that runs past a start that
/// is not whole counts as declaring one, as no spreadsheet program writes such a prolog either.
pub(crate) fn declares_doctype(start: &[u8], whole: bool) -> bool {
    let mut rest = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    loop {
        rest = rest.trim_ascii_start();
        let skip = if rest.starts_with(b"<?") {
            memchr::memmem::find(rest, b"?>").map(|end| end + 2)
        } else if rest.starts_with(b"<!--") {
            memchr::memmem::find(rest, b"-->").map(|end| end + 3)
        } else if rest.is_empty() {
            return !whole;
        } else {
            // The root element, or a declaration (`<!DOCTYPE`, or anything else after `<!`).
            return rest.starts_with(b"<!");
        };
        match skip {
            Some(end) => rest = &rest[end..],
            None => return !whole,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::declares_doctype;

    #[test]
    fn a_doctype_before_the_root_is_found_past_declarations_and_comments() {
        let plain = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- saved --><worksheet>&lt;!DOCTYPE</worksheet>";
        assert!(!declares_doctype(plain, true));
        let declared = b"<?xml version=\"1.0\"?><!-- x --> <!DOCTYPE w [<!ENTITY f \"7\">]><w/>";
        assert!(declares_doctype(declared, true));
        assert!(
            declares_doctype(&declared[..20], false),
            "cut short in the prolog"
        );
        assert!(
            !declares_doctype(&plain[..plain.len() - 3], false),
            "cut short past the root"
        );
        assert!(!declares_doctype(b"", true));
    }

    use super::*;

    fn tags(xml: &str) -> Vec<(TagKind, String)> {
        let mut s = TagScanner::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(t) = s.next_tag().unwrap() {
            out.push((t.kind, String::from_utf8_lossy(t.name).into_owned()));
        }
        out
    }

    #[test]
    fn yields_tags_and_skips_text_comments_and_cdata() {
        let xml = r#"<?xml version="1.0"?><a x="1 > 0"><!-- <b> -> --><b/>text<![CDATA[<c>]]></a>"#;
        assert_eq!(
            tags(xml),
            vec![
                (TagKind::Start, "a".into()),
                (TagKind::Empty, "b".into()),
                (TagKind::End, "a".into()),
            ]
        );
    }

    #[test]
    fn reads_attributes() {
        let xml = r#"<sheet name="Bob&apos;s &amp; Co" r:id='rId7' sheetId="3"/>"#;
        let mut s = TagScanner::new(xml.as_bytes());
        let t = s.next_tag().unwrap().unwrap();
        assert_eq!(t.attr("name").as_deref(), Some("Bob's & Co"));
        assert_eq!(t.attr_local("id").as_deref(), Some("rId7"));
        assert_eq!(t.attr("sheetId").as_deref(), Some("3"));
        assert!(t.attr("missing").is_none());
    }

    #[test]
    fn unterminated_tag_is_an_error() {
        let mut s = TagScanner::new(&b"<a x=\"1"[..]);
        assert!(s.next_tag().is_err());
    }
}
