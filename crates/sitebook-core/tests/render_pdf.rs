//! PDF renderer tests: reproducibility, the recorded hash, and the printed content checked
//! through poppler's `pdftotext` (text) and `pdftoppm` (that the file renders cleanly).
//!
//! The running-total test does not trust the renderer's arithmetic: it reads every page's
//! printed row amounts back from the text and re-adds them.

mod render;

use std::io::Write;
use std::process::Command;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sitebook_core::domain::bill::{first_bill, FirstBillInput, ItemQuantity};
use sitebook_core::domain::money::{format_indian, parse_number_text};
use sitebook_core::domain::work::DocDate;
use sitebook_core::pdf::{self, sha256_hex, DocumentRequest, RenderError};

/// Runs a poppler tool on `bytes` (always `Some`: scripts/install-system-deps.sh installs
/// poppler-utils, and a missing tool fails the test rather than skipping it).
fn poppler(tool: &str, args: &[&str], bytes: &[u8]) -> Option<(String, String)> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    // To look at what the tests render: SITEBOOK_KEEP_PDFS=/some/dir.
    if let Some(dir) = std::env::var_os("SITEBOOK_KEEP_PDFS") {
        let name = format!("{}.pdf", sha256_hex(bytes).get(..12).unwrap_or_default());
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
    let path = file.path().to_str().unwrap().to_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    if tool == "pdftotext" {
        all.push("-");
    }
    match Command::new(tool).args(&all).output() {
        Ok(output) => {
            assert!(output.status.success(), "{tool} failed on the PDF");
            Some((
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            ))
        }
        Err(e) => panic!("{tool} is not installed (apt package poppler-utils): {e}"),
    }
}

/// The text of each page, in layout mode.
fn pages(bytes: &[u8]) -> Option<Vec<String>> {
    let (text, _) = poppler("pdftotext", &["-layout"], bytes)?;
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Some(pages)
}

/// Whitespace collapsed to single spaces, so wrapped text can be searched.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A PDF's whole text with its white space folded (`None` where poppler is missing).
fn flat_text(bytes: &[u8]) -> Option<String> {
    pages(bytes).map(|pages| flat(&pages.join("\n")))
}

fn page_count(bytes: &[u8]) -> usize {
    info_string(bytes, "Pages")
        .and_then(|pages| pages.parse().ok())
        .expect("pdfinfo gives the page count")
}

/// A field of the document information as `pdfinfo` prints it.
fn info_string(bytes: &[u8], key: &str) -> Option<String> {
    let (info, _) = poppler("pdfinfo", &["-isodates"], bytes)?;
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{key}:")))
        .map(|value| value.trim().to_owned())
}

/// A printed money figure, if `token` is one (Indian grouping, two decimals).
fn money(token: &str) -> Option<Decimal> {
    let (_, paise) = token.rsplit_once('.')?;
    if paise.len() != 2 {
        return None;
    }
    parse_number_text(token)
}

fn trailing_money(line: &str, count: usize) -> Option<Vec<Decimal>> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    if tokens.len() < count {
        return None;
    }
    tokens[tokens.len() - count..]
        .iter()
        .map(|t| money(t))
        .collect()
}

/// `1,23,45,678.90`: one or two digits, then pairs, then three, then two decimals.
fn is_indian_grouped(text: &str) -> bool {
    let Some((integer, paise)) = text.split_once('.') else {
        return false;
    };
    let groups: Vec<&str> = integer.split(',').collect();
    let (last, head) = groups.split_last().unwrap();
    paise.len() == 2
        && last.len() == 3
        && head.first().is_some_and(|g| (1..=2).contains(&g.len()))
        && head.iter().skip(1).all(|g| g.len() == 2)
}

fn forward_figures(page: &str, which: &str, count: usize) -> Option<Vec<Decimal>> {
    page.lines()
        .find(|l| l.contains(which))
        .and_then(|l| trailing_money(l, count))
}

#[test]
fn same_inputs_give_the_same_bytes_and_the_hash_is_recorded() {
    let first = render::first_bill_request(40);
    let nth = render::nth_bill_request(40);
    let slip = render::workslip_request(20, 2);
    let estimate = render::estimate_request(20);

    let a = pdf::render_first_bill(&first).unwrap();
    // Other documents rendered in between must not matter.
    let n1 = pdf::render_nth_bill(&nth).unwrap();
    let s1 = pdf::render_workslip(&slip).unwrap();
    let e1 = pdf::render_estimate_abstract(&estimate).unwrap();
    let b = pdf::render_first_bill(&first).unwrap();
    assert_eq!(a, b, "first bill differs between two renders");
    assert_eq!(n1, pdf::render_nth_bill(&nth).unwrap());
    assert_eq!(s1, pdf::render_workslip(&slip).unwrap());
    assert_eq!(e1, pdf::render_estimate_abstract(&estimate).unwrap());

    let tag = format!("sitebook-inputs-sha256:{}", first.header.inputs_sha256);
    assert_eq!(info_string(&a, "Subject").as_deref(), Some(tag.as_str()));
    assert_eq!(info_string(&a, "Keywords").as_deref(), Some(tag.as_str()));
    // Two dates, spelled out: one per document.
    // The document date (the bill's DOBR in the request), not the clock.
    assert_eq!(
        info_string(&a, "CreationDate").as_deref(),
        Some("2024-03-20T00:00:00Z")
    );
    assert_eq!(
        info_string(&n1, "CreationDate").as_deref(),
        Some("2024-06-11T00:00:00Z")
    );
}

// Alike in shape to the same test in render_xlsx.rs: each checks its own renderer.
#[test]
fn different_inputs_record_a_different_hash() {
    let items = render::items(10);
    let mut input = FirstBillInput {
        quantities: render::till_date(&items, 1),
        items,
        tender_premium: Some(render::tp_less()),
        is_final: false,
    };
    let render = |input: &FirstBillInput| {
        let bill = first_bill(input).unwrap();
        let request = DocumentRequest::first_bill(
            bill,
            render::metadata().header_block(),
            render::hash_of(input),
        )
        .with_document_date(DocDate::new(2024, 3, 20).unwrap());
        (
            request.header.inputs_sha256.clone(),
            pdf::render_first_bill(&request).unwrap(),
        )
    };
    let (hash_a, pdf_a) = render(&input);
    input.quantities[3].quantity += dec!(0.01);
    let (hash_b, pdf_b) = render(&input);
    assert_ne!(hash_a, hash_b);
    assert_ne!(pdf_a, pdf_b);
    assert!(info_string(&pdf_a, "Subject").unwrap().ends_with(&hash_a));
    assert!(info_string(&pdf_b, "Subject").unwrap().ends_with(&hash_b));
}

#[test]
fn a_bad_inputs_hash_is_refused() {
    let mut request = render::first_bill_request(3);
    request.header.inputs_sha256 = "not a hash".into();
    assert!(matches!(
        pdf::render_first_bill(&request),
        Err(RenderError::InvalidInputsHash { .. })
    ));
}

#[test]
fn five_hundred_item_first_bill_prints_everything_and_its_running_totals_add_up() {
    let request = render::first_bill_request(500);
    let bill = &request.content;
    let bytes = pdf::render_first_bill(&request).unwrap();
    assert!(bytes.len() <= 300 * 1024, "{} bytes", bytes.len());
    let count = page_count(&bytes);
    assert!(count > 1);
    assert!(String::from_utf8_lossy(&bytes).contains("/MediaBox[0 0 595.2"));
    let Some(pages) = pages(&bytes) else { return };
    assert_eq!(pages.len(), count);
    let all = flat(&pages.join("\n"));

    assert!(all.contains("CC First & Part Bill"));
    for line in render::metadata().header_block() {
        assert!(
            all.contains(&flat(&line.text())),
            "header line {:?}",
            line.text()
        );
    }
    let description: Vec<&str> = bill.rows[0]
        .description
        .split_whitespace()
        .take(5)
        .collect();
    assert!(all.contains(&description.join(" ")));
    let last_ae = bill
        .rows
        .iter()
        .rev()
        .find(|r| r.serial.is_empty())
        .unwrap();
    assert!(all.contains(" AE1 ") && all.contains(&format!(" {} ", last_ae.description)));
    assert!(all.contains(&format!("Page 2 of {count}")));
    assert!(all.contains(&format!("Page {count} of {count}")));
    assert!(all.contains(&bill.amount_in_words));
    // Totals in Indian grouping: the sub total is over a crore here.
    assert!(bill.sub_total > dec!(10000000));
    assert!(is_indian_grouped(&format_indian(bill.sub_total)));
    for line in &bill.totals {
        assert!(
            all.contains(&format!("{} {}", line.label, format_indian(line.amount))),
            "{line:?}"
        );
    }

    // Each page: brought forward + the amounts printed on it = carried forward.
    let mut brought = Decimal::ZERO;
    for (index, page) in pages.iter().enumerate() {
        let last = index + 1 == pages.len();
        if index > 0 {
            let figures = forward_figures(page, "Brought forward", 1).expect("brought forward");
            assert_eq!(figures[0], brought, "page {}", index + 1);
            assert!(page.contains(&format!("Page {} of {count}", index + 1)));
        }
        let printed: Decimal = page
            .lines()
            .filter(|l| {
                !l.contains("forward")
                    && !l.contains("Rs.")
                    && !l.contains("Total")
                    && !l.contains("T.P @")
            })
            .filter_map(|l| trailing_money(l, 1))
            .map(|f| f[0])
            .sum();
        let running = brought + printed;
        if last {
            assert!(!page.contains("Carried forward"));
            assert_eq!(running, bill.sub_total);
        } else {
            let carried = forward_figures(page, "Carried forward", 1).expect("carried forward");
            assert_eq!(carried[0], running, "page {}", index + 1);
        }
        brought = running;
    }
}

#[test]
fn the_pdf_renders_without_errors() {
    let bytes = pdf::render_first_bill(&render::first_bill_request(60)).unwrap();
    let Some((_, stderr)) = poppler(
        "pdftoppm",
        &["-png", "-r", "20", "-f", "1", "-l", "2", "-q"],
        &bytes,
    ) else {
        return;
    };
    assert!(stderr.trim().is_empty(), "{stderr}");
    let Some((info, stderr)) = poppler("pdfinfo", &[], &bytes) else {
        return;
    };
    assert!(stderr.trim().is_empty(), "{stderr}");
    assert!(info.contains("A4"));
    assert!(info.contains("Author:          Sitebook"));
}

#[test]
fn a_short_bill_is_one_page_without_running_totals() {
    let bytes = pdf::render_first_bill(&render::first_bill_request(4)).unwrap();
    assert_eq!(page_count(&bytes), 1);
    let Some(all) = flat_text(&bytes) else { return };
    assert!(all.contains("Page 1 of 1"));
    assert!(!all.contains("forward"));
    for caption in ["Prepared by", "Checked by", "Executive Engineer"] {
        assert!(all.contains(caption));
    }
}

#[test]
fn two_thousand_item_nth_bill_carries_three_columns() {
    let request = render::nth_bill_request(2000);
    let bill = &request.content;
    let bytes = pdf::render_nth_bill(&request).unwrap();
    let count = page_count(&bytes);
    assert!(count > 50, "{count} pages");
    let Some(pages) = pages(&bytes) else { return };
    assert_eq!(pages.len(), count);
    let all = flat(&pages.join("\n"));
    assert!(all.contains("CC Second & Part Bill"));
    // Headings wrap inside their cells, so their words are checked one line at a time.
    for words in [
        "Deduct Previous",
        "Since Last",
        "Measurements",
        "Total Value",
        "till date",
    ] {
        assert!(all.contains(words), "{words}");
    }
    assert!(all.contains(&format!("Page 2 of {count}")));
    assert!(all.contains(&bill.amount_in_words));
    assert!(all.contains(&format!("Rs. {}", format_indian(bill.amount_payable))));
    for pair in pages.windows(2) {
        let carried = forward_figures(&pair[0], "Carried forward", 3).unwrap();
        let brought = forward_figures(&pair[1], "Brought forward", 3).unwrap();
        assert_eq!(carried, brought);
    }
    let last = pages.last().unwrap();
    let brought = forward_figures(last, "Brought forward", 3).unwrap();
    let sub = forward_figures(last, "Sub Total Amount", 3).unwrap();
    assert!(brought.iter().zip(&sub).all(|(b, s)| b <= s));
    assert_eq!(
        sub,
        [
            bill.sub_total.till_date,
            bill.sub_total.previous,
            bill.sub_total.since_last
        ]
    );
}

#[test]
fn work_slip_is_landscape_with_phases_and_supplemental_items() {
    let request = render::workslip_request(30, 3);
    let slip = &request.content;
    let bytes = pdf::render_workslip(&request).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("/MediaBox[0 0 841.8"));
    let Some(pages) = pages(&bytes) else { return };
    let all = flat(&pages.join("\n"));
    for text in [
        "WORKING ESTIMATE-3",
        "Workslip-1",
        "Workslip-2",
        "(Execution)",
        "Supplemental Items",
        "Supplemental Items-2",
        // Remarks wrap in their narrow column: their first words are on one line.
        "From Workslip-1",
        "From Workslip-2",
        "Excess as per",
        "Unused T.P @ 5 % on ECV",
        "L.S provision towards unforeseen items",
    ] {
        assert!(all.contains(text), "{text}");
    }
    assert!(all.contains(&slip.amount_in_words));
    // The Grand Total row repeats the sanctioned total in the estimate and every phase.
    let grand = pages
        .iter()
        .flat_map(|page| page.lines())
        .find(|l| l.contains("Grand Total") && !l.contains("words"))
        .unwrap()
        .to_owned();
    assert_eq!(
        grand.matches(&format_indian(slip.grand_total)).count(),
        4,
        "{grand}"
    );
}

#[test]
fn first_work_slip_proposes_its_supplemental_items() {
    let request = render::workslip_request(6, 1);
    let bytes = pdf::render_workslip(&request).unwrap();
    let Some(all) = flat_text(&bytes) else { return };
    assert!(all.contains("WORKING ESTIMATE ") && !all.contains("WORKING ESTIMATE-"));
    assert!(all.contains("Proposed as per"));
    assert!(!all.contains("From Workslip"));
}

#[test]
fn work_slip_with_ten_phases_still_fits() {
    let request = render::workslip_request(8, 10);
    let bytes = pdf::render_workslip(&request).unwrap();
    let Some(all) = flat_text(&bytes) else { return };
    assert!(all.contains("WORKING ESTIMATE-10"));
    // The columns are squeezed below their headings' words at the smallest type; the headings
    // are set smaller rather than broken mid-word (`Sl.N`/`o`, `Workslip`/`-1 Qty`).
    for heading in ["Sl.No", "(Execution)"]
        .into_iter()
        .map(String::from)
        .chain((1..=9).map(|k| format!("Workslip-{k}")))
    {
        assert!(all.contains(&heading), "{heading} is broken in: {all}");
    }
}

#[test]
fn estimate_abstract_prints_the_footer() {
    let request = render::estimate_request(25);
    let footer = &request.content.footer;
    let bytes = pdf::render_estimate_abstract(&request).unwrap();
    let Some(all) = flat_text(&bytes) else { return };
    assert!(all.starts_with("ESTIMATE") || all.contains(" ESTIMATE "));
    for line in &footer.lines {
        assert!(
            all.contains(&format!("{} {}", line.label, format_indian(line.amount))),
            "{line:?}"
        );
    }
    assert!(all.contains(&sitebook_core::domain::words::amount_in_words(
        footer.grand_total
    )));
}

#[test]
fn odd_text_and_a_row_taller_than_a_page_are_printed_whole() {
    let mut items = render::items(6);
    let essay: Vec<String> = (0..1400).map(|i| format!("word{i}")).collect();
    items[2].description = format!("Rate ₹ 1,200 − less ≤ 5 日本 {}", essay.join(" "));
    let input = FirstBillInput {
        quantities: items
            .iter()
            .map(|i| ItemQuantity::new(i.sl_no.clone(), i.quantity))
            .collect(),
        items,
        tender_premium: None,
        is_final: true,
    };
    let bill = first_bill(&input).unwrap();
    let request = DocumentRequest::first_bill(bill, Vec::new(), render::hash_of(&input))
        .with_document_date(DocDate::new(2024, 3, 20).unwrap());
    let bytes = pdf::render_first_bill(&request).unwrap();
    assert!(page_count(&bytes) >= 3);
    let Some(all) = flat_text(&bytes) else { return };
    assert!(all.contains("CC First & Final Bill"));
    // ₹ and the minus are drawn; ≤ has a stand-in; CJK has no bundled font, so it shows as
    // the replacement character (and the job warns, see the documents tests).
    assert!(
        all.contains("Rate ₹ 1,200 − less <= 5 \u{FFFD}\u{FFFD}"),
        "{all:.300}"
    );
    for i in [0, 1, 699, 1399] {
        assert!(all.contains(&format!("word{i}")), "word{i} missing");
    }
}

/// Replaces the name of the work in a request's header block.
fn set_name_of_work<T>(request: &mut DocumentRequest<T>, name: &str) {
    let line = request
        .header
        .lines
        .iter_mut()
        .find(|line| line.label == "Name of the work")
        .unwrap();
    line.value = name.to_owned();
}

#[test]
fn a_name_of_work_typed_on_two_lines_prints_on_every_page() {
    // Alt+Enter in a spreadsheet cell, or a line break pasted into the work data: the header
    // block keeps the break, and the running head of later pages reads it as a space. It once
    // drew the break as a missing glyph, and the archival profile refused the whole PDF.
    let mut request = render::first_bill_request(120);
    set_name_of_work(
        &mut request,
        "CC road from Gandhi statue\nto Ramalayam, Ward 12",
    );
    let bytes = pdf::render_first_bill(&request).unwrap();
    assert!(
        page_count(&bytes) > 1,
        "the running head is drawn on a later page"
    );
    let Some(pages) = pages(&bytes) else { return };
    assert!(flat(&pages[0]).contains("CC road from Gandhi statue"));
    assert!(
        flat(&pages[1]).contains("CC road from Gandhi statue to Ramalayam"),
        "{}",
        pages[1]
    );
}

#[test]
fn a_name_of_work_of_ten_thousand_characters_leaves_the_header_on_its_page() {
    // A workbook's name of work can be any length (the work data refuses more than 1,000
    // characters). The header block keeps to ten lines, so the estimate amount, references and
    // dates under the name still print on the first page.
    let mut request = render::first_bill_request(4);
    set_name_of_work(
        &mut request,
        &"Widening and strengthening of the district road ".repeat(200),
    );
    let bytes = pdf::render_first_bill(&request).unwrap();
    let Some(pages) = pages(&bytes) else { return };
    let first = flat(&pages[0]);
    for label in [
        "Estimate Amount",
        "Ref. to Agreement",
        "Name of the Agency",
        "DOI",
    ] {
        assert!(first.contains(label), "{label} is missing from page 1");
    }
    assert!(first.contains("..."), "the cut is marked");
}

/// A first bill of `items` items under a memorandum that deducts Rs. 1 for each of `labels`,
/// so its net is the gross less as many rupees.
fn first_bill_with_rupee_recoveries(
    items: usize,
    labels: &[String],
) -> DocumentRequest<sitebook_core::domain::bill::FirstBill> {
    use sitebook_core::domain::money::CurrencyMark;
    use sitebook_core::domain::payments::{Memorandum, MemorandumLine};
    use sitebook_core::render::memorandum_statement;

    let request = render::first_bill_request(items);
    let gross = request.content.total;
    let deductions: Vec<MemorandumLine> = labels
        .iter()
        .map(|label| MemorandumLine {
            code: String::new(),
            label: label.clone(),
            detail: "this bill".into(),
            amount: dec!(1.00),
            percentage: None,
        })
        .collect();
    let memorandum = Memorandum {
        value_till_date: gross,
        previous_payments: Decimal::ZERO,
        gross,
        additions: Vec::new(),
        deductions,
        net_payable: gross - Decimal::from(labels.len()),
        net_in_words: "words".into(),
    };
    request.with_memorandum(Some(memorandum_statement(&memorandum, CurrencyMark::Rs)))
}

#[test]
fn a_memorandum_of_sixty_lines_breaks_across_pages_and_loses_none() {
    // An office with sixty recoveries on one bill: each is Rs. 1, so the net is the gross less
    // sixty rupees, and every line must print with a letter of its own.
    let labels: Vec<String> = (1..=60).map(|i| format!("Recovery number {i}")).collect();
    let request = first_bill_with_rupee_recoveries(30, &labels);
    let bytes = pdf::render_first_bill(&request).unwrap();
    let Some(pages) = pages(&bytes) else { return };
    let all = pages.iter().map(|p| flat(p)).collect::<Vec<_>>().join(" ");
    for i in 1..=60 {
        assert!(
            all.contains(&format!("Recovery number {i} ")),
            "line {i} is missing"
        );
    }
    // The 27th line is 4(aa), not a second 4(a).
    assert_eq!(all.matches("4(a) ").count(), 1);
    assert!(all.contains("4(aa) ") && all.contains("4(bh) "));
    assert!(all.contains("Net amount payable by cheque"));
    assert!(all.contains("MEMORANDUM OF PAYMENTS (contd.)"));
}

#[test]
fn the_memorandum_the_amounts_in_words_and_the_signatures_share_a_page() {
    // Bills of 1 to 60 items: the memorandum, the words under it and the signatures under
    // those fall at every height of the page. None may leave the words and signatures on a
    // page of their own, away from the net amount they sign.
    let mut pushed_over = 0;
    for items in 1..=60 {
        let labels = ["Security deposit", "Income tax TDS", "Cess"].map(String::from);
        let request = first_bill_with_rupee_recoveries(items, &labels);
        let bytes = pdf::render_first_bill(&request).unwrap();
        let Some(pages) = pages(&bytes) else { return };
        let page_of = |needle: &str| {
            pages
                .iter()
                .position(|page| page.contains(needle))
                .unwrap_or_else(|| panic!("{items} items: no page has {needle:?}"))
        };
        let memorandum_page = page_of("MEMORANDUM OF PAYMENTS");
        let signed_page = page_of("Prepared by");
        assert_eq!(memorandum_page, signed_page, "{items} items");
        assert_eq!(
            page_of("Net payable by cheque"),
            signed_page,
            "{items} items"
        );
        if memorandum_page > page_of("Sub Total Amount") {
            pushed_over += 1;
        }
    }
    // The case that mattered arose: a memorandum that would have fitted under the table went
    // over with its words and signatures.
    assert!(
        pushed_over > 0,
        "no bill put the memorandum on a page of its own"
    );
}

#[test]
fn a_sub_head_never_ends_a_page_without_its_item() {
    // A sub-head above every item: wherever a page breaks, the old layout could leave one
    // at the foot of a page with its item overleaf.
    let request = render::first_bill_request(120);
    let sub_heads = request
        .content
        .rows
        .iter()
        .filter(|row| !row.serial.is_empty())
        .map(|row| sitebook_core::domain::estimate::SubHead {
            before_serial: row.serial.clone(),
            text: format!("SUB HEAD for {}", row.serial),
            sl_no: None,
        })
        .collect();
    let bytes = pdf::render_first_bill(&request.with_sub_heads(sub_heads)).unwrap();
    let Some(pages) = pages(&bytes) else { return };
    assert!(pages.len() > 3, "{} pages", pages.len());
    for (number, page) in pages.iter().enumerate() {
        let lines: Vec<&str> = page.lines().filter(|l| !l.trim().is_empty()).collect();
        let Some(carried) = lines.iter().position(|l| l.contains("Carried forward")) else {
            continue;
        };
        let last_row = lines[carried - 1];
        assert!(
            !last_row.contains("SUB HEAD"),
            "page {} ends on a sub-head: {last_row:?}",
            number + 1
        );
    }
}
