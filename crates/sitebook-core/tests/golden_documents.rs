//! The worked example's documents, byte for byte, against the hashes recorded in
//! `tests/golden/documents.sha256`: a refactor that is meant to change nothing (#14) must leave
//! every bill, work slip and abstract, PDF and XLSX, exactly as it was.
//!
//! A change that is meant to change a document (a new font, a new column) fails here first;
//! record the new hashes with `SITEBOOK_RECORD_GOLDEN=1 cargo test --test golden_documents`,
//! look at the new documents (pdftoppm, LibreOffice), and commit the file with the change that
//! explains it.

mod common;
mod workbooks;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{extra_excavation, fixture_with_estimate};
use rust_decimal_macros::dec;
use sha2::{Digest, Sha256};
use sitebook_core::documents::WorkChanges;
use sitebook_core::domain::bill::{BillKind, ItemQuantity};

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/documents.sha256")
}

#[tokio::test]
async fn the_worked_examples_documents_are_byte_identical_to_the_recorded_ones() {
    let (fx, estimate) = fixture_with_estimate(workbooks::domain_example_workbook()).await;
    // The documents are dated from the work's dates; without them they would take the day they
    // were recorded, and the hashes would change every day.
    fx.edit_work(
        estimate,
        WorkChanges {
            doi: Some("01-02-2024".into()),
            domr: Some("15-03-2024".into()),
            dobr: Some("20-03-2024".into()),
            ..WorkChanges::default()
        },
    )
    .await;
    let first_till_date = [("1", dec!(10)), ("3", dec!(2.5))];
    let first = fx
        .queue_bill_at(estimate, BillKind::FirstPart, &first_till_date)
        .await;
    let first_files = fx.rendered_all(first.job_id).await;
    let second_till_date = [("1", dec!(12)), ("3", dec!(4))];
    let second = fx
        .queue_bill_at(estimate, BillKind::NthPart, &second_till_date)
        .await;
    let second_files = fx.rendered_all(second.job_id).await;
    let slip = fx
        .queue_workslip(
            estimate,
            vec![ItemQuantity::new("1", dec!(10))],
            vec![extra_excavation(dec!(450.50), dec!(12))],
        )
        .await;
    let slip_files = fx.rendered_all(slip.job_id).await;
    let abstract_job = fx.core.estimate_abstract(&fx.root, estimate).await.unwrap();
    let abstract_files = fx.rendered_all(abstract_job.job_id).await;

    let mut hashes = BTreeMap::new();
    for (document, files) in [
        ("bill-1", first_files),
        ("bill-2", second_files),
        ("workslip-1", slip_files),
        ("abstract", abstract_files),
    ] {
        assert!(!files.is_empty(), "{document} wrote no file");
        for path in files {
            let extension = path.extension().unwrap().to_string_lossy().into_owned();
            let part = if path.to_string_lossy().contains("-deviation") {
                "deviation-"
            } else {
                ""
            };
            let digest = Sha256::digest(std::fs::read(&path).unwrap());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            hashes.insert(format!("{document}.{part}{extension}"), hex);
        }
    }
    let actual: String = hashes
        .iter()
        .map(|(name, hash)| format!("{hash}  {name}\n"))
        .collect();

    if std::env::var_os("SITEBOOK_RECORD_GOLDEN").is_some() {
        std::fs::write(golden_path(), &actual).unwrap();
        return;
    }
    let recorded = std::fs::read_to_string(golden_path()).unwrap_or_else(|_| {
        panic!(
            "{} is missing; record it as this file's doc says",
            golden_path().display()
        )
    });
    assert_eq!(
        actual, recorded,
        "a document changed byte for byte; if that was meant, record the hashes again \
         (see this file's doc) and say why in the commit"
    );
}
