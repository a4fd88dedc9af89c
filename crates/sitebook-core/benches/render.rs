//! Renderer benchmarks (issues 4 and 13): a 500-item first bill as PDF (target ≤ 50 ms,
//! ≤ 400 KB with every font subset-embedded), the same bill with every description in Telugu
//! (≤ 80 ms), a 2,000-item Nth bill as PDF (≤ 250 ms) and as XLSX (≤ 150 ms).
//!
//! Each benchmark renders from an already computed domain document, which is what the job
//! engine holds when it renders; the domain math is benchmarked with the domain. The output
//! sizes are printed once before timing. The same 500-item bill, as printed, is written to
//! `target/bench-workbooks/first_bill_500.csv` for `benches/reportlab_bill.py`, the side-by-side comparison.

#[path = "../tests/render/mod.rs"]
mod render;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sitebook_core::pdf::{self, format_figure, format_money};
use sitebook_core::xlsx;

/// Writes the first bill as printed (title, header lines, rows, totals, words), one CSV line
/// per element, for the ReportLab script.
fn export_for_reportlab(request: &pdf::DocumentRequest<sitebook_core::domain::bill::FirstBill>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-workbooks");
    std::fs::create_dir_all(&dir).expect("samples folder");
    let quote = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    let mut csv = String::from("kind,serial,quantity,unit,item,rate,per,per_unit,amount\n");
    let mut line = |kind: &str, fields: [&str; 8]| {
        csv.push_str(kind);
        for field in fields {
            csv.push(',');
            csv.push_str(&quote(field));
        }
        csv.push('\n');
    };
    let bill = &request.content;
    line("title", ["", "", "", &request.header.title, "", "", "", ""]);
    for header in &request.header.lines {
        line("header", ["", "", "", &header.text(), "", "", "", ""]);
    }
    for row in &bill.rows {
        let kind = if row.serial.is_empty() {
            "excess"
        } else {
            "item"
        };
        line(
            kind,
            [
                &row.serial,
                &format_figure(row.quantity),
                &row.unit,
                &row.description,
                &format_figure(row.rate),
                "1",
                &row.per_unit,
                &format_money(row.amount),
            ],
        );
    }
    for total in &bill.totals {
        line(
            "total",
            [
                "",
                "",
                "",
                &total.label,
                "",
                "",
                "",
                &format_money(total.amount),
            ],
        );
    }
    line("words", ["", "", "", &bill.amount_in_words, "", "", "", ""]);
    std::fs::write(dir.join("first_bill_500.csv"), csv).expect("csv written");
}

/// The 500-item first bill with its work and every description in Telugu.
fn telugu_first_bill(n: usize) -> pdf::DocumentRequest<sitebook_core::domain::bill::FirstBill> {
    use sitebook_core::domain::bill::{first_bill, FirstBillInput};
    let words = [
        "సిమెంట్",
        "కాంక్రీట్",
        "రోడ్డు",
        "నిర్మాణం",
        "పనులు",
        "మరియు",
        "కాలువ",
        "పైపులు",
        "అమర్చడం",
        "గ్రామం",
        "వార్డు",
        "మరమ్మతు",
    ];
    let mut items = render::items(n);
    for (i, item) in items.iter_mut().enumerate() {
        let length = 8 + i % 17;
        let text: Vec<&str> = (0..length)
            .map(|k| words[(i + 3 * k) % words.len()])
            .collect();
        item.description = text.join(" ");
    }
    let input = FirstBillInput {
        quantities: render::till_date(&items, 1),
        items,
        tender_premium: Some(render::tp_less()),
        is_final: false,
    };
    let mut work = render::metadata();
    work.name_of_work = "సిమెంట్ కాంక్రీట్ రోడ్డు నిర్మాణం, వార్డు 4".to_owned();
    work.agency = "శ్రీ లక్ష్మి కన్స్ట్రక్షన్స్".to_owned();
    pdf::DocumentRequest::first_bill(
        first_bill(&input).unwrap(),
        work.header_block(),
        render::hash_of(&input),
    )
    .with_document_date(sitebook_core::domain::work::DocDate::new(2024, 3, 20).unwrap())
}

fn renderers(c: &mut Criterion) {
    let first = render::first_bill_request(500);
    let telugu = telugu_first_bill(500);
    let nth = render::nth_bill_request(2000);
    export_for_reportlab(&first);

    let first_pdf = pdf::render_first_bill(&first).unwrap();
    let telugu_pdf = pdf::render_first_bill(&telugu).unwrap();
    let nth_pdf = pdf::render_nth_bill(&nth).unwrap();
    let nth_xlsx = xlsx::render_nth_bill(&nth).unwrap();
    let pages = |bytes: &[u8]| {
        bytes
            .windows(11)
            .filter(|w| w.starts_with(b"/Type/Page") && w[10] != b's')
            .count()
    };
    println!(
        "output sizes: first bill 500 items PDF {} bytes ({} pages); all-Telugu {} bytes ({} pages); Nth bill 2000 items PDF {} bytes ({} pages); Nth bill 2000 items XLSX {} bytes",
        first_pdf.len(),
        pages(&first_pdf),
        telugu_pdf.len(),
        pages(&telugu_pdf),
        nth_pdf.len(),
        pages(&nth_pdf),
        nth_xlsx.len()
    );

    let mut group = c.benchmark_group("render");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("first_bill_pdf_500_items", |b| {
        b.iter(|| pdf::render_first_bill(black_box(&first)).unwrap())
    });
    group.bench_function("first_bill_pdf_500_items_telugu", |b| {
        b.iter(|| pdf::render_first_bill(black_box(&telugu)).unwrap())
    });
    group.bench_function("nth_bill_pdf_2000_items", |b| {
        b.iter(|| pdf::render_nth_bill(black_box(&nth)).unwrap())
    });
    group.bench_function("nth_bill_xlsx_2000_items", |b| {
        b.iter(|| xlsx::render_nth_bill(black_box(&nth)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, renderers);
criterion_main!(benches);
