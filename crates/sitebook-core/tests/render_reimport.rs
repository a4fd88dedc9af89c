//! Generated workbooks read back by the project's own estimate parser: what Sitebook writes,
//! Sitebook must be able to read again with the same items and totals.

mod render;

use sitebook_core::excel;

use rust_decimal::Decimal;
use sitebook_core::xlsx;

#[test]
fn the_estimate_parser_reads_back_the_same_items_and_totals() {
    let request = render::estimate_request(60);
    let estimate = &request.content;
    let bytes = xlsx::render_estimate_abstract(&request).unwrap();

    let parsed =
        excel::parse_estimate_bytes(&bytes, "abstract.xlsx", &excel::Limits::default()).unwrap();
    assert!(parsed.warnings.is_empty(), "{:#?}", parsed.warnings);
    assert_eq!(parsed.sheets.len(), 1);
    let sheet = &parsed.sheets[0];
    assert_eq!(sheet.name, "Estimate");
    assert_eq!(
        sheet.metadata.name_of_work.as_deref(),
        Some(render::metadata().name_of_work.as_str())
    );

    assert_eq!(sheet.items.len(), estimate.items.len());
    for (read, written) in sheet.items.iter().zip(&estimate.items) {
        assert_eq!(read.sl_no.as_deref(), Some(written.sl_no.as_str()));
        assert_eq!(read.description, written.description);
        assert_eq!(
            read.quantity.map(|d| d.normalize()),
            Some(written.quantity.normalize())
        );
        assert_eq!(read.unit.as_deref(), Some(written.unit.as_str()));
        assert_eq!(
            read.rate.map(|d| d.normalize()),
            Some(written.rate.normalize())
        );
        assert_eq!(read.per_unit.as_deref(), Some(written.per_unit.as_str()));
        assert_eq!(
            read.amount.map(|d| d.normalize()),
            Some(written.amount.normalize())
        );
        assert!(read.flags.is_empty(), "{read:?}");
    }
    assert!(sheet.excess_rows.is_empty());

    let footer = &estimate.footer;
    let read = &sheet.footer;
    let same = |a: Option<Decimal>, b: Option<Decimal>| {
        assert_eq!(a.map(|d| d.normalize()), b.map(|d| d.normalize()));
    };
    same(read.ecv, Some(footer.ecv));
    same(read.tp, footer.tender_premium);
    same(read.tp_percent, Some(Decimal::from(5)));
    same(read.lc, footer.labour_cess);
    same(read.qc, footer.quality_control);
    same(read.nac, footer.nac);
    same(read.sub_total, Some(footer.sub_total));
    same(read.gst, Some(footer.gst));
    same(read.ls_unforeseen, Some(footer.ls_provision));
    same(read.grand_total, Some(footer.grand_total));
    assert!(
        read.rows.iter().all(|row| !row.recomputed),
        "{:#?}",
        read.rows
    );
}
