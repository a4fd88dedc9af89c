//! Documents in every Indian script: a bill, a work slip and an estimate abstract whose name of
//! work, agency and item descriptions mix English with each of the nine scripts. Checked from
//! outside, with poppler and qpdf (installed by scripts/install-system-deps.sh --tests):
//! `pdftotext` gives back the exact Unicode, `pdffonts` lists only embedded subset fonts with
//! Unicode maps, `qpdf --check` finds no structural problem, and the XMP packet declares
//! PDF/A-2b and records the title, organization, generator and both hashes.

mod render;

use std::io::Write;
use std::process::Command;

use sitebook_core::domain::bill::{first_bill, FirstBillInput};
use sitebook_core::domain::work::DocDate;
use sitebook_core::domain::workslip::WorkslipRow;
use sitebook_core::pdf::{self, sha256_hex, DocumentRequest};

/// "Cement concrete road" (or near it) in each script the documents must print.
const SCRIPTS: [(&str, &str); 9] = [
    ("Devanagari", "सीमेंट कंक्रीट सड़क, क्षेत्र"),
    ("Telugu", "సిమెంట్ కాంక్రీట్ రోడ్డు"),
    ("Tamil", "சிமெண்ட் கான்கிரீட் சாலை"),
    ("Kannada", "ಸಿಮೆಂಟ್ ಕಾಂಕ್ರೀಟ್ ರಸ್ತೆ"),
    ("Malayalam", "സിമന്റ് കോൺക്രീറ്റ് റോഡ്"),
    ("Bengali", "সিমেন্ট কংক্রিট রাস্তা"),
    ("Gujarati", "સિમેન્ટ કોંક્રિટ રસ્તો"),
    ("Gurmukhi", "ਸੀਮਿੰਟ ਕੰਕਰੀਟ ਸੜਕ"),
    ("Odia", "ସିମେଣ୍ଟ କଂକ୍ରିଟ ରାସ୍ତା"),
];

const NAME_OF_WORK: &str = "CC road సిమెంట్ కాంక్రీట్ రోడ్డు / सीमेंट कंक्रीट सड़क, Ward 4";
const AGENCY: &str = "श्री लक्ष्मी कंस्ट्रक्शन్స్ / శ్రీ లక్ష్మి ఎలక్ట్రికల్స్ & Co.";
const ORGANIZATION: &str = "ఆర్ & బి డివిజన్, వరంగల్";

fn tool(name: &str, args: &[&str], bytes: &[u8]) -> String {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let output = Command::new(name)
        .args(args)
        .arg(file.path())
        .args(if name == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{name} is installed by install-system-deps.sh --tests: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{name} failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The work data with the mixed-script name and agency.
fn work() -> sitebook_core::domain::work::WorkMetadata {
    let mut work = render::metadata();
    work.name_of_work = NAME_OF_WORK.to_owned();
    work.agency = AGENCY.to_owned();
    work
}

/// Items whose descriptions mix English with one script each, and ₹.
fn items() -> Vec<sitebook_core::domain::estimate::EstimateItem> {
    let mut items = render::items(12);
    for (item, (_, text)) in items.iter_mut().zip(SCRIPTS) {
        item.description = format!("Providing {text} including ₹ 1,200 cost of curing");
    }
    items
}

fn source_hash() -> String {
    sha256_hex(b"the workbook the estimate came from")
}

/// Checks one document from outside.
fn check(bytes: &[u8], title: &str) {
    // Every input string comes back exactly, scripts, ₹ and all.
    let text = flat(&tool("pdftotext", &[], bytes));
    for expected in [NAME_OF_WORK, AGENCY] {
        assert!(
            text.contains(&flat(expected)),
            "{title}: {expected:?} missing"
        );
    }
    for (script, sample) in SCRIPTS {
        assert!(
            text.contains(&format!("Providing {sample} including ₹ 1,200")),
            "{title}: the {script} description is not given back:\n{text:.2000}"
        );
    }
    assert!(
        !text.contains('\u{FFFD}') && !text.contains("??"),
        "{title}"
    );

    // Only embedded subset fonts, each with a Unicode map; the scripts' own fonts among them.
    let fonts = tool("pdffonts", &[], bytes);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 4, "{fonts}");
    for row in &rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let flags = &columns[columns.len() - 5..columns.len() - 2];
        assert_eq!(flags, ["yes", "yes", "yes"], "{title}: {row}");
    }
    for family in ["NotoSerifTelugu", "NotoSerifDevanagari", "NotoSansOriya"] {
        assert!(
            fonts.contains(family),
            "{title}: {family} not used\n{fonts}"
        );
    }

    // Structure, and the archival declaration with its provenance.
    tool("qpdf", &["--check"], bytes);
    let raw = String::from_utf8_lossy(bytes);
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>"), "{title}");
    assert!(raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(raw.contains("/OutputIntents"), "{title}: no output intent");
    assert!(
        !raw.contains("GTS_PDFX") && !raw.contains("pdfxid"),
        "{title}"
    );
    // The Info dictionary and the XMP packet (where `&` is written `&amp;`) say the same.
    let info = tool("pdfinfo", &["-isodates"], bytes);
    let xmp = tool("pdfinfo", &["-meta"], bytes).replace("&amp;", "&");
    for record in [&info, &xmp] {
        assert!(record.contains(title), "{title}: title missing\n{record}");
        assert!(
            record.contains(ORGANIZATION),
            "{title}: organization missing"
        );
        assert!(record.contains(&format!("sitebook-source-sha256:{}", source_hash())));
        assert!(record.contains("sitebook-inputs-sha256:"));
        assert!(record.contains("Sitebook "), "{title}: generator missing");
    }
    assert!(info.contains("CreationDate:    20"), "{title}: {info}");
}

/// A first bill whose work, agency and items are written in every script.
fn bill_in_every_script() -> DocumentRequest<sitebook_core::domain::bill::FirstBill> {
    let items = items();
    let input = FirstBillInput {
        quantities: render::till_date(&items, 1),
        items,
        tender_premium: Some(render::tp_less()),
        is_final: false,
    };
    DocumentRequest::first_bill(
        first_bill(&input).unwrap(),
        work().header_block(),
        render::hash_of(&input),
    )
    .with_document_date(DocDate::new(2024, 3, 20).unwrap())
    .with_provenance(Some(ORGANIZATION.to_owned()), Some(source_hash()))
}

#[test]
fn a_bill_in_every_script_gives_back_its_text_from_embedded_fonts() {
    let request = bill_in_every_script();
    let bytes = pdf::render_first_bill(&request).unwrap();
    check(&bytes, "CC First & Part Bill");
    assert_eq!(bytes, pdf::render_first_bill(&request).unwrap());
}

#[test]
fn a_withdrawn_copy_keeps_every_script_of_its_pages_and_prints_a_reason_in_one() {
    let made = pdf::render_first_bill(&bill_in_every_script()).unwrap();
    let reason = "కొలతలు తప్పు పుస్తకంలో / माप गलत पुस्तिका में";
    let notice = sitebook_core::render::WithdrawnNotice {
        document: "Bill 1 of estimate 3".into(),
        withdrawn_on: "06-12-2026 10:15 UTC".into(),
        withdrawn_by: "meena".into(),
        reason: reason.into(),
    };
    let stamped = pdf::stamp_withdrawn(&made, &notice).unwrap();

    // Every page of the bill, its scripts given back as before, under the notice.
    let pages = |bytes: &[u8]| {
        tool("pdfinfo", &[], bytes)
            .lines()
            .find_map(|line| line.strip_prefix("Pages:").map(|n| n.trim().to_owned()))
            .unwrap()
    };
    assert_eq!(pages(&stamped), pages(&made));
    let text = flat(&tool("pdftotext", &[], &stamped));
    for (script, sample) in SCRIPTS {
        assert!(
            text.contains(&format!("Providing {sample} including ₹ 1,200")),
            "the {script} description is not given back:\n{text:.2000}"
        );
    }
    assert!(
        text.contains(&flat(&format!(
            "WITHDRAWN: Bill 1 of estimate 3 is not in force; this copy is kept as a record. \
             Withdrawn on 06-12-2026 10:15 UTC by meena: {reason}."
        ))),
        "{text:.2000}"
    );
    assert!(!text.contains('\u{FFFD}'), "{text:.2000}");
    // The stamp's fonts are embedded like the page's, and the file is sound.
    for row in tool("pdffonts", &[], &stamped).lines().skip(2) {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let flags = &columns[columns.len() - 5..columns.len() - 2];
        assert_eq!(flags, ["yes", "yes", "yes"], "{row}");
    }
    tool("qpdf", &["--check"], &stamped);
    // Not a PDF: refused with the reader's reason, never a panic.
    let refused = pdf::stamp_withdrawn(b"%PDF-1.7 cut short", &notice).unwrap_err();
    assert!(
        refused.to_string().contains("could not be read as a PDF"),
        "{refused}"
    );
}

#[test]
fn a_work_slip_and_an_abstract_in_every_script_give_back_their_text() {
    let mut slip = render::workslip_request(12, 1);
    let lines = slip.content.rows.iter_mut().filter_map(|row| match row {
        WorkslipRow::Line(line) => Some(line),
        _ => None,
    });
    for (line, (_, text)) in lines.zip(SCRIPTS) {
        line.description = format!("Providing {text} including ₹ 1,200 cost of curing");
    }
    slip.header.lines = work().header_block();
    let slip = slip.with_provenance(Some(ORGANIZATION.to_owned()), Some(source_hash()));
    let bytes = pdf::render_workslip(&slip).unwrap();
    check(&bytes, &slip.header.title);
    assert_eq!(bytes, pdf::render_workslip(&slip).unwrap());

    let mut estimate = render::estimate_request(12);
    for (item, (_, text)) in estimate.content.items.iter_mut().zip(SCRIPTS) {
        item.description = format!("Providing {text} including ₹ 1,200 cost of curing");
    }
    estimate.header.lines = work().header_block();
    let estimate = estimate.with_provenance(Some(ORGANIZATION.to_owned()), Some(source_hash()));
    let bytes = pdf::render_estimate_abstract(&estimate).unwrap();
    check(&bytes, "ESTIMATE");
    assert_eq!(bytes, pdf::render_estimate_abstract(&estimate).unwrap());
}

#[test]
fn a_pdf_is_dated_from_its_data_and_refused_without_a_date() {
    let mut request = render::first_bill_request(3);
    request.header.document_date = None;
    let error = pdf::render_first_bill(&request).unwrap_err();
    assert!(error.to_string().contains("no document date"), "{error}");
}
