//! The document commands of the real binary: the database-free `bill render`, the chain with
//! `--wait`, and bad input (CSV line numbers, tender premium range, chain order).

mod common;

use assert_cmd::Command;
use common::{fixture_workbook, pdf_text, sitebook_as_root};
use predicates::prelude::*;
use tempfile::TempDir;

const PASSWORD: &str = "documents-pass-1";

/// `bill create` of a first part bill on estimate 1; options follow.
const FIRST_PART_BILL: [&str; 5] = ["bill", "create", "1", "--kind", "first-part"];

fn sitebook(dir: &TempDir) -> Command {
    sitebook_as_root(dir.path(), PASSWORD)
}

/// A data folder with root's account made and the fixture workbook uploaded as estimate 1.
fn device_with_the_fixture_estimate() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    sitebook(&dir)
        .args(["init", "--name", "Root Admin"])
        .assert()
        .success();
    sitebook(&dir)
        .args(["upload", &fixture_workbook(), "--wait"])
        .assert()
        .success();
    dir
}

/// `sitebook bill render` of the fixture workbook, a first part bill at the given premium.
fn bill_render(out: &std::path::Path, tp: &str, tp_type: &str) -> Command {
    let mut command = Command::cargo_bin("sitebook").unwrap();
    command
        .args([
            "bill",
            "render",
            &fixture_workbook(),
            "--kind",
            "first-part",
        ])
        .args(["--tp", tp, "--tp-type", tp_type, "--out"])
        .arg(out);
    command
}

#[test]
fn bill_render_writes_a_pdf_and_xlsx_without_a_database() {
    let out = tempfile::tempdir().unwrap();
    bill_render(out.path(), "4.5", "less")
        .assert()
        .success()
        .stdout(predicate::str::contains("first-part-bill.pdf"))
        .stderr(predicate::str::contains(
            "a preview without the memorandum of payments",
        ));
    let pdf = out.path().join("first-part-bill.pdf");
    let text = pdf_text(&pdf, false);
    assert!(text.contains("CC First & Part Bill"), "{text}");
    assert!(text.contains("Deduct T.P @ 4.5 % Less"), "{text}");
    assert!(out.path().join("first-part-bill.xlsx").exists());
    // No data folder was needed or made.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 2);

    // A second render into the folder keeps the first bill unless told to replace it.
    let first = std::fs::read(&pdf).unwrap();
    bill_render(out.path(), "5", "excess")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{} already exists; nothing was written",
            pdf.display()
        )));
    assert_eq!(std::fs::read(&pdf).unwrap(), first);
    bill_render(out.path(), "5", "excess")
        .arg("--overwrite")
        .assert()
        .success();
    assert!(pdf_text(&pdf, false).contains("Add T.P @ 5 % Excess"));
    // A file named as the folder is called what it is.
    bill_render(&pdf, "5", "excess")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{} is not a folder",
            pdf.display()
        )));

    // A refused premium, spelled out: the exit code and message are what it checks.
    bill_render(out.path(), "150", "excess")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("between 0 and 100"));
}

#[test]
fn the_chain_from_the_command_line_with_bad_input_refused() {
    let dir = device_with_the_fixture_estimate();
    sitebook(&dir)
        .args(["work", "edit", "1", "--tp", "101", "--tp-type", "less"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("between 0 and 100"));
    sitebook(&dir)
        .args([
            "work",
            "edit",
            "1",
            "--agency",
            "M/s Field Works",
            "--doi",
            "01-04-2024",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("M/s Field Works"))
        .stdout(predicate::str::contains("DOI 01-04-2024"));
    // A work completed before it was intimated is refused, naming both dates.
    sitebook(&dir)
        .args(["work", "edit", "1", "--doc", "01-03-2024"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the date of completion (DOC) (01-03-2024) is before the date of intimation (DOI) \
             (01-04-2024)",
        ));

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "sl_no,till_date_qty\n1,twelve\n2,5\n2,6\n").unwrap();
    sitebook(&dir)
        .args(FIRST_PART_BILL)
        .arg("--quantities")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("line 2").and(predicate::str::contains("line 4")));
    // The same file as a spreadsheet saves it on Windows (a byte-order mark, CRLF line ends),
    // with a blank line put in: each problem is still told on its own line.
    std::fs::write(
        &bad,
        "\u{feff}sl_no,till_date_qty\r\n1,twelve\r\n\r\n2,5\r\n2,6\r\n",
    )
    .unwrap();
    let windows = sitebook(&dir)
        .args(FIRST_PART_BILL)
        .arg("--quantities")
        .arg(&bad)
        .assert()
        .code(1);
    let told = String::from_utf8_lossy(&windows.get_output().stderr).into_owned();
    assert!(
        told.contains(
            "2 lines are bad: line 2: till_date_qty 'twelve' is not a number; line 5: item 2 \
             repeats line 4."
        ),
        "{told}"
    );
    // A serial the estimate does not have shows only once the file meets the estimate, and is
    // still told by the file and line that gave it.
    let unknown = dir.path().join("unknown.csv");
    std::fs::write(&unknown, "sl_no,till_date_qty\n1,2\n99,5\n").unwrap();
    sitebook(&dir)
        .args(FIRST_PART_BILL)
        .arg("--quantities")
        .arg(&unknown)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "Bill 1: {} line 3: item 99: there is no such item in the estimate",
            unknown.display()
        )));
    sitebook(&dir)
        .args(["bill", "create", "1", "--kind", "nth-part"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no bill 1"));
    sitebook(&dir)
        .args(["bill", "create", "1", "--kind", "first-part", "--wait"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Bill 1: job").and(predicate::str::contains(".pdf")));
    sitebook(&dir)
        .args(["bill", "list", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("part"));
    sitebook(&dir)
        .args(["estimate", "abstract", "1", "--wait"])
        .assert()
        .success()
        .stdout(predicate::str::contains("abstract"));
}

/// Creates bill 1 with `extra` flags, waits for it, and returns its PDF's text.
fn first_bill_text(dir: &TempDir, extra: &[&str]) -> String {
    let output = sitebook(dir)
        .args(FIRST_PART_BILL)
        .args(["--wait", "--json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let done: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let pdf = done["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "pdf")
        .unwrap();
    let path = std::fs::read_dir(dir.path().join("outputs"))
        .unwrap()
        .map(|org| org.unwrap().path().join(pdf["filename"].as_str().unwrap()))
        .find(|p| p.exists())
        .unwrap();
    pdf_text(&path, true)
}

#[test]
fn a_work_slip_rate_from_the_command_line_reaches_the_bills_that_follow() {
    let dir = device_with_the_fixture_estimate();
    let executed = dir.path().join("executed.csv");
    std::fs::write(&executed, "sl_no,executed_qty\n1,10\n").unwrap();
    let rates = dir.path().join("rates.csv");
    // A rate finer than a paisa, and a serial the estimate does not have, are refused.
    std::fs::write(&rates, "sl_no,rate\n1,475.555\n").unwrap();
    let create = |rates_file: &std::path::Path| {
        let mut command = sitebook(&dir);
        command
            .args(["workslip", "create", "1", "--wait", "--executed"])
            .arg(&executed)
            .arg("--rates")
            .arg(rates_file);
        command
    };
    // Told by the file and line, as a person finds it in a 500-line file.
    create(&rates)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: nothing was saved because 1 line is bad: line 2: rate 475.555 has more than two \
             decimal places",
            rates.display()
        )));
    // A rate of 0 makes the row worth nothing: taken, since work may be done at no cost to the
    // contract, but warned of. (Its slip is withdrawn so that the chain below starts afresh.)
    std::fs::write(&rates, "sl_no,rate\n1,0\n").unwrap();
    create(&rates)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: item 1 ("))
        .stderr(predicate::str::contains(
            "its rate is replaced by 0 from this work slip on, so every amount on its row is 0.00",
        ));
    sitebook(&dir)
        .args([
            "workslip",
            "withdraw",
            "1",
            "1",
            "--reason",
            "rate typed as 0",
        ])
        .assert()
        .success();
    std::fs::write(&rates, "sl_no,rate\n1,475\n99,10\n").unwrap();
    create(&rates)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{} line 3: rate override for item 99: there is no such item in the estimate",
            rates.display()
        )));
    // So is an executed quantity's, in the other file.
    std::fs::write(&executed, "sl_no,executed_qty\n1,10\n2,1\n77,1\n").unwrap();
    std::fs::write(&rates, "sl_no,rate\n1,475\n").unwrap();
    create(&rates)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "Work slip 1, {} line 4: item 77: there is no such item in the estimate",
            executed.display()
        )));
    std::fs::write(&executed, "sl_no,executed_qty\n1,10\n").unwrap();
    // And a supplemental item numbered like one of the estimate's.
    let supplemental = dir.path().join("supplemental.csv");
    std::fs::write(
        &supplemental,
        "sl_no,description,unit,rate,executed_qty\nS1,Extra,Nos,10,1\n2,Other,Nos,5,2\n",
    )
    .unwrap();
    sitebook(&dir)
        .args(["workslip", "create", "1", "--wait", "--executed"])
        .arg(&executed)
        .arg("--supplemental")
        .arg(&supplemental)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "Work slip 1: {} line 3: supplemental item 2: the estimate already has an item 2",
            supplemental.display()
        )));
    std::fs::write(&rates, "sl_no,rate\n1,475\n").unwrap();
    create(&rates).assert().success();
    // Listed by phase, the number `workslip withdraw` takes.
    sitebook(&dir)
        .args(["workslip", "list", "1"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^WORK SLIP\s+JOB\s+CREATED").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^1\s+\d+\s+\d{4}-").unwrap());

    // The bill follows the working estimate's rate: 10 × 475.00 = 4,750.00 for item 1, where
    // the estimate's 450.00 would give 4,500.00.
    let quantities = dir.path().join("quantities.csv");
    std::fs::write(&quantities, "sl_no,till_date_qty\n1,10\n2,0\n3,0\n4,0\n").unwrap();
    let text = first_bill_text(&dir, &["--quantities", quantities.to_str().unwrap()]);
    let item_1 = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|line| line.starts_with("1 10"))
        .unwrap_or_else(|| panic!("no item 1 in {text}"));
    assert!(
        item_1.contains("475.00") && item_1.ends_with("4,750.00"),
        "{item_1}"
    );
    // The list now says which bill follows the work slip, and so stands before its withdrawal.
    sitebook(&dir)
        .args(["workslip", "list", "1"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                r"(?m)^WORK SLIP\s+JOB\s+CREATED\s+INPUTS SHA256\s+FOLLOWED BY$",
            )
            .unwrap(),
        )
        .stdout(predicate::str::is_match(r"(?m)^1\s.*\sbill 1$").unwrap());
}

#[test]
fn an_individual_agency_pays_income_tax_tds_at_its_rate() {
    let dir = device_with_the_fixture_estimate();
    sitebook(&dir)
        .args(["deductions", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2 % (1 % for an individual or HUF)",
        ));
    sitebook(&dir)
        .args(["work", "edit", "1", "--agency-individual", "true"])
        .assert()
        .success()
        .stdout(predicate::str::contains("agency: individual or HUF"));
    let text = first_bill_text(&dir, &[]);
    let it_line = text
        .lines()
        .find(|line| line.contains("Income tax TDS"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(it_line.contains("1 % of"), "{it_line}");
}

#[test]
fn a_new_rate_typed_alone_keeps_the_lines_conditions() {
    let dir = device_with_the_fixture_estimate();
    // A new label and rate typed alone, nothing else.
    sitebook(&dir)
        .args([
            "deductions",
            "set",
            "GST-TDS",
            "--label",
            "GST TDS",
            "--percent",
            "2",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"(?m)^GST-TDS\s+GST TDS\s.*contract > 2,50,000\.00").unwrap(),
        )
        .stderr(predicate::str::contains(
            "Kept from GST-TDS's earlier line: its threshold (contract above 2,50,000.00; \
             --threshold none drops it).",
        ));
    // A bill of this contract (below 2,50,000) therefore takes no GST-TDS.
    let text = first_bill_text(&dir, &[]);
    assert!(!text.contains("GST TDS"), "{text}");
    // Dropped when asked, and only then.
    sitebook(&dir)
        .args(["deductions", "set", "GST-TDS", "--threshold", "none"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"(?m)^GST-TDS\s+GST TDS\s+deduct\s+2 %\s+gross\s+always")
                .unwrap(),
        )
        .stderr(predicate::str::contains("Kept").not());
    // A new code cannot be guessed from an earlier line.
    sitebook(&dir)
        .args(["deductions", "set", "WC", "--percent", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "WC is a new line, so it needs a label",
        ));
}

#[test]
fn deductions_are_edited_and_a_recovery_reaches_the_bill() {
    let dir = device_with_the_fixture_estimate();
    sitebook(&dir)
        .args(["deductions", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("example set").and(predicate::str::contains("IT-TDS")));
    // IT-TDS at 1 % for an individual contractor; the first change makes the table the org's.
    sitebook(&dir)
        .args([
            "deductions",
            "set",
            "IT-TDS",
            "--label",
            "Income tax TDS (194C, individual)",
            "--percent",
            "1",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("individual")
                .and(predicate::str::contains("example set").not()),
        );
    sitebook(&dir)
        .args([
            "deductions",
            "set",
            "X",
            "--label",
            "Bad",
            "--percent",
            "120",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Deduction line X").and(predicate::str::contains("rate")));
    // A negative amount reaches the line's own check, which names the field, rather than being
    // taken for an option ("unexpected argument '-1'").
    sitebook(&dir)
        .args(["deductions", "set", "X", "--label", "Bad", "--fixed", "-10"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("Deduction line X")
                .and(predicate::str::contains("fixed amount"))
                .and(predicate::str::contains("unexpected argument").not()),
        );
    sitebook(&dir)
        .args(["deductions", "remove", "LC"])
        .assert()
        .success();
    // A cess line of the office's own that only applies where the estimate did not collect
    // the cess: this estimate's footer has `Add LC @ 1 %`, so the bill shows it nil.
    sitebook(&dir)
        .args([
            "deductions",
            "set",
            "BOCW",
            "--label",
            "Welfare cess",
            "--percent",
            "1",
            "--unless-estimate-has-lc",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("estimate without LC"));
    sitebook(&dir)
        .args(FIRST_PART_BILL)
        .args(["--recovery", "no amount"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("LABEL=AMOUNT"));
    let text = first_bill_text(&dir, &["--recovery", "Mobilisation advance=10,000"]);
    assert!(text.contains("Income tax TDS (194C, individual)"), "{text}");
    assert!(text.contains("Mobilisation advance"), "{text}");
    assert!(
        !text.contains("Labour cess"),
        "removed before the bill: {text}"
    );
    assert!(
        text.lines()
            .any(|line| line.contains("Welfare cess")
                && line.contains("nil: collected in the estimate")),
        "{text}"
    );

    // The bill was wrong: withdrawn with a reason, its number can be made again.
    // The withdrawal and the commands around it each check their own output, spelled out.
    sitebook(&dir)
        .args([
            "bill",
            "withdraw",
            "1",
            "1",
            "--reason",
            "Wrong advance recovered",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Withdrew bill 1")
                .and(predicate::str::contains("2 file(s) kept")),
        );
    // Its files say so in the list, and a copy made of one says it is not the bill in force.
    let listed = sitebook(&dir).args(["outputs", "list"]).assert().success();
    let listed = String::from_utf8_lossy(&listed.get_output().stdout).into_owned();
    let withdrawn: Vec<&str> = listed
        .lines()
        .filter(|line| line.trim_end().ends_with("withdrawn"))
        .collect();
    assert_eq!(withdrawn.len(), 2, "{listed}");
    let id = withdrawn[0].split_whitespace().next().unwrap();
    let copies = tempfile::tempdir().unwrap();
    sitebook(&dir)
        .args(["outputs", "export", id])
        .arg(copies.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "It is a file of a withdrawn bill or work slip, so the copy is marked WITHDRAWN",
        ));
    sitebook(&dir)
        .args(FIRST_PART_BILL)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Bill 1: items and caps as per the sanctioned estimate.",
        ));
    // The chain lists the bill made again, and says the withdrawn one exists and where.
    sitebook(&dir)
        .args(["bill", "list", "1"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 bill was withdrawn; `sitebook bill list 1 --withdrawn` shows it.",
        ));
    let withdrawn = sitebook(&dir)
        .args(["bill", "list", "1", "--withdrawn", "--json"])
        .assert()
        .success();
    let withdrawn: serde_json::Value =
        serde_json::from_slice(&withdrawn.get_output().stdout).unwrap();
    assert_eq!(withdrawn.as_array().map(Vec::len), Some(1), "{withdrawn}");
    assert_eq!(withdrawn[0]["number"], 1, "{withdrawn}");
    assert_eq!(
        withdrawn[0]["reason"], "Wrong advance recovered",
        "{withdrawn}"
    );
    assert_eq!(withdrawn[0]["withdrawnBy"], "root", "{withdrawn}");
}

#[test]
fn cancelling_a_bills_job_says_the_bill_stays_recorded_and_how_to_make_its_files() {
    let dir = device_with_the_fixture_estimate();
    let queued = sitebook(&dir).args(FIRST_PART_BILL).assert().success();
    let queued = String::from_utf8_lossy(&queued.get_output().stdout).into_owned();
    let job = queued
        .split("job ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no job in {queued}"))
        .to_owned();
    sitebook(&dir)
        .args(["jobs", "cancel", &job])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "The bill this job draws stays recorded, and the next bill counts it; only its files \
             are not made. `sitebook jobs retry {job}` makes them"
        )));
}

#[test]
fn the_document_commands_have_help() {
    for args in [
        &["work", "edit", "--help"][..],
        &["bill", "create", "--help"],
        &["bill", "render", "--help"],
        &["workslip", "create", "--help"],
        &["estimate", "abstract", "--help"],
    ] {
        Command::cargo_bin("sitebook")
            .unwrap()
            .args(args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage: sitebook"));
    }
}

#[test]
fn waiting_for_a_bill_says_what_its_drawing_warned_of() {
    let dir = device_with_the_fixture_estimate();
    sitebook(&dir)
        .args(["work", "edit", "1", "--name-of-work", "Road 道路 works"])
        .assert()
        .success();
    sitebook(&dir)
        .args(FIRST_PART_BILL)
        .arg("--wait")
        .assert()
        .success()
        .stdout(predicate::str::contains("Bill 1: job"))
        .stderr(predicate::str::contains(
            "warning: Name of the work: no bundled font has '道' (U+9053)",
        ));
}
