//! The UI's fake backend (`ui/src/fake/documents.ts`) answers the bill and work-slip editors
//! with the core's own figures: this test replays the requests listed in
//! `ui/src/fake/recorded/scenarios.json` against the real core and keeps the answers in
//! `ui/src/fake/recorded/documents.json`, which the fake imports. The UI tests therefore check
//! the screens against the real math, and cannot drift from it.
//!
//! Without `SITEBOOK_RECORD_UI` the core's answers are compared with the recorded ones, and a
//! difference fails here. When a change to the core is meant to change them, or a scenario was
//! added, record them again:
//!
//! ```text
//! SITEBOOK_RECORD_UI=1 cargo test -p sitebook-core --test ui_recordings
//! ```
//!
//! and commit `ui/src/fake/recorded` with the change (then run the UI tests: `cd ui && npx
//! vitest run`).
//!
//! A scenario is a workbook and a list of steps, each `{command, args}` as the UI sends it
//! (`bill_draft`, `preview_bill`, `create_bill`, `workslip_draft`, `preview_workslip`,
//! `create_workslip`, `save_work_form`, `withdraw_document`), replayed on a fresh device in
//! order. Every step but a withdrawal is recorded with the steps that changed the estimate before
//! it (the *history*: the documents created and the work data saved), since the answer depends
//! on them; a withdrawal takes the withdrawn document back out of the history, as the fake does.

mod common;
mod workbooks;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{json, Value};
use sitebook_core::documents::editor::{
    QuantityEntry, RateEntry, RecoveryEntry, SupplementalEntry,
};
use sitebook_core::documents::withdraw::ChainDocument;
use sitebook_core::documents::work_form::WorkForm;
use workbooks::{item_cells, merge, merged_header, num, text};

const RECORD_ENV: &str = "SITEBOOK_RECORD_UI";
const RERECORD: &str = "run SITEBOOK_RECORD_UI=1 cargo test -p sitebook-core --test ui_recordings \
                        and commit ui/src/fake/recorded";

fn recorded_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/fake/recorded")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(rename = "$comment", default)]
    _comment: Value,
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    /// What the scenario stands for (a UI test, a screen).
    #[serde(default)]
    name: String,
    /// `bridge` or `example`: see [`workbook`].
    workbook: String,
    steps: Vec<Step>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Step {
    command: String,
    #[serde(default = "empty_args")]
    args: Value,
}

fn empty_args() -> Value {
    json!({})
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BillArgs {
    is_final: bool,
    entries: Vec<QuantityEntry>,
    recoveries: Vec<RecoveryEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WorkslipArgs {
    entries: Vec<QuantityEntry>,
    supplemental: Vec<SupplementalEntry>,
    rates: Vec<RateEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FormArgs {
    form: WorkForm,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WithdrawArgs {
    document: ChainDocument,
    number: u32,
    reason: String,
}

fn args<T: for<'de> Deserialize<'de>>(step: &Step) -> T {
    serde_json::from_value(step.args.clone())
        .unwrap_or_else(|e| panic!("scenario step {}: bad args ({e})", step.command))
}

/// The workbooks the scenarios bill. Their bytes are the same on every run, so the hashes the
/// core records (and sends back) are too.
fn workbook(name: &str) -> Vec<u8> {
    match name {
        "bridge" => bridge_workbook(),
        "example" => std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples/estimates/cc-road-example.xlsx"),
        )
        .expect("the example workbook"),
        other => panic!("scenarios.json names an unknown workbook {other:?}"),
    }
}

/// The demo's bridge estimate (`ui/src/fake/estimates.ts`, MOH's estimate 1) as a workbook: two
/// sub-heads, five items in crores, a deduction for old material, and the footer from the ECV
/// to a Grand Total of 12,90,00,000.00.
fn bridge_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 8, 20).unwrap();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    // Cell by cell on purpose, like workbooks::domain_example_sheet: the recorded answers depend on
    // this exact sheet.
    let ws = wb.add_worksheet().set_name("Estimate").unwrap();
    merge(
        ws,
        0,
        0,
        0,
        7,
        "Name of the work : Construction of high level bridge across Penna river near Sangam",
    );
    text(ws, 1, 0, "Estimate amount");
    text(ws, 1, 1, ":");
    text(ws, 1, 2, "Rs. 12,90,00,000.00");
    text(
        ws,
        2,
        0,
        "Ref. to Administrative sanction : G.O.Ms.No. 27, T(R&B), dt. 12-08-2024",
    );
    text(
        ws,
        3,
        0,
        "Name of the Agency : Sri Venkateswara Constructions",
    );
    merged_header(ws, 4);

    let item = |ws: &mut rust_xlsxwriter::Worksheet,
                row: u32,
                sl: f64,
                qty: f64,
                unit: &str,
                description: &str,
                rate: f64,
                amount: f64| {
        item_cells(ws, row, (sl, qty, unit, description, rate, unit));
        num(ws, row, 7, amount);
    };
    text(ws, 5, 3, "SUBSTRUCTURE");
    item(
        ws,
        6,
        1.0,
        4850.0,
        "Cum",
        "Earth work excavation for well foundations in all soils.",
        312.0,
        1_513_200.0,
    );
    item(
        ws,
        7,
        2.0,
        2640.5,
        "Cum",
        "Providing and laying RCC M30 in well steining, including form work.",
        9875.0,
        26_074_937.5,
    );
    item(
        ws,
        8,
        3.0,
        412_500.0,
        "Kg",
        "Supplying, cutting, bending and placing HYSD steel reinforcement.",
        78.5,
        32_381_250.0,
    );
    text(ws, 9, 3, "SUPERSTRUCTURE");
    item(
        ws,
        10,
        4.0,
        16.0,
        "Nos",
        "Casting, launching and placing precast PSC girders of 24 m span.",
        2_495_000.0,
        39_920_000.0,
    );
    item(
        ws,
        11,
        5.0,
        1.0,
        "LS",
        "Providing elastomeric bearings and expansion joints.",
        1_850_000.0,
        1_850_000.0,
    );
    let footer = [
        ("Deduct Old Material Cost", "-245000.00"),
        ("ECV", "101494387.50"),
        ("Add Excess T.P @ 4.5 %", "4567247.44"),
        ("Add LC @ 1 %", "1014943.88"),
        ("Add QC @ 1 %", "1014943.88"),
        ("Add NAC @ 0.1 %", "101494.39"),
        ("Sub Total", "108193017.09"),
        ("Add GST @ 18 %", "19474743.08"),
        ("L.S Provision towards unforeseen items", "1332239.83"),
        ("Grand Total", "129000000.00"),
    ];
    for (i, (label, amount)) in footer.iter().enumerate() {
        let row = 12 + i as u32;
        text(ws, row, 3, label);
        num(ws, row, 7, amount.parse().unwrap());
    }
    wb.save_to_buffer().unwrap()
}

/// What a step's answer is recorded as: the core's value, or its `{code, message}` refusal.
type Answer = Result<Value, Value>;

fn answer<T: serde::Serialize>(result: sitebook_core::Result<T>) -> Answer {
    result
        .map(|value| serde_json::to_value(value).unwrap())
        .map_err(|error| serde_json::to_value(error.to_api()).unwrap())
}

/// Takes out what differs between runs or between the core and the fake's own bookkeeping:
/// the fake numbers its estimates and jobs itself.
fn normalised(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.remove("estimateId");
        map.remove("jobId");
    }
    value
}

/// One estimate as the scenarios saw it: the detail and the work data the fake serves.
#[derive(PartialEq, Debug)]
struct Seen {
    detail: Value,
    work_form: Value,
}

async fn replay(scenario: &Scenario) -> (Seen, Vec<(Value, Answer)>) {
    let fx = common::fixture().await;
    let id = fx.parsed_estimate(workbook(&scenario.workbook)).await;
    let core = &fx.core;
    let root = &fx.root;
    let mut detail = serde_json::to_value(core.estimate_show(root, id).await.unwrap()).unwrap();
    if let Value::Object(map) = &mut detail {
        for varying in ["id", "fileName", "createdAt"] {
            map.remove(varying);
        }
    }
    let work_form = serde_json::to_value(core.work_form(root, id).await.unwrap()).unwrap();

    let mut history: Vec<Value> = Vec::new();
    let mut records = Vec::new();
    for step in &scenario.steps {
        let request = json!({
            "workbook": scenario.workbook,
            "history": history,
            "command": step.command,
            "args": step.args,
        });
        let answer = match step.command.as_str() {
            "bill_draft" => answer(core.bill_draft(root, id).await),
            "preview_bill" => {
                let a: BillArgs = args(step);
                answer(
                    core.bill_preview(root, id, a.is_final, &a.entries, &a.recoveries)
                        .await,
                )
            }
            "create_bill" => {
                let a: BillArgs = args(step);
                answer(
                    core.bill_create_entered(root, id, a.is_final, &a.entries, &a.recoveries)
                        .await,
                )
            }
            "workslip_draft" => answer(core.workslip_draft(root, id).await),
            "preview_workslip" => {
                let a: WorkslipArgs = args(step);
                answer(
                    core.workslip_preview(root, id, &a.entries, &a.supplemental, &a.rates)
                        .await,
                )
            }
            "create_workslip" => {
                let a: WorkslipArgs = args(step);
                answer(
                    core.workslip_create_entered(root, id, &a.entries, &a.supplemental, &a.rates)
                        .await,
                )
            }
            "save_work_form" => {
                let a: FormArgs = args(step);
                answer(core.work_form_save(root, id, &a.form).await)
            }
            "withdraw_document" => {
                let a: WithdrawArgs = args(step);
                // A document is withdrawn once its files' job has ended; its files are not
                // needed here, so the queued job is cancelled rather than run.
                // One arm per document kind, spelled out: the two lists have different types.
                let job = match a.document {
                    ChainDocument::Bill => core
                        .bill_list(root, id)
                        .await
                        .unwrap()
                        .last()
                        .and_then(|b| b.job_id),
                    ChainDocument::Workslip => core
                        .workslip_list(root, id)
                        .await
                        .unwrap()
                        .last()
                        .and_then(|w| w.job_id),
                };
                if let Some(job) = job {
                    core.job_cancel(root, job).await.unwrap();
                }
                core.document_withdraw(root, id, a.document, a.number, &a.reason)
                    .await
                    .unwrap_or_else(|e| panic!("scenario {:?}: withdrawal: {e}", scenario.name));
                let created = match a.document {
                    ChainDocument::Bill => "create_bill",
                    ChainDocument::Workslip => "create_workslip",
                };
                let last = history
                    .iter()
                    .rposition(|h| h["command"] == created)
                    .unwrap_or_else(|| panic!("scenario {:?}: nothing to withdraw", scenario.name));
                history.remove(last);
                continue;
            }
            other => panic!("scenario {:?}: unknown command {other:?}", scenario.name),
        };
        let changes_state = matches!(
            step.command.as_str(),
            "create_bill" | "create_workslip" | "save_work_form"
        );
        if changes_state && answer.is_ok() {
            history.push(json!({ "command": step.command, "args": step.args }));
        }
        records.push((request, answer.map(normalised)));
    }
    (Seen { detail, work_form }, records)
}

#[tokio::test]
async fn the_fake_backends_recorded_answers_are_the_cores() {
    let scenarios_path = recorded_dir().join("scenarios.json");
    let recorded_path = recorded_dir().join("documents.json");
    let file: ScenarioFile = serde_json::from_str(
        &std::fs::read_to_string(&scenarios_path)
            .unwrap_or_else(|e| panic!("{}: {e}", scenarios_path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", scenarios_path.display()));

    let mut estimates: BTreeMap<String, Seen> = BTreeMap::new();
    // Keyed by the request's text, so a request two scenarios share is recorded once.
    let mut recordings: BTreeMap<String, (Value, Answer)> = BTreeMap::new();
    for scenario in &file.scenarios {
        let (seen, records) = replay(scenario).await;
        match estimates.get(&scenario.workbook) {
            Some(earlier) => assert_eq!(earlier, &seen, "the same workbook parsed differently"),
            None => {
                estimates.insert(scenario.workbook.clone(), seen);
            }
        }
        for (request, answer) in records {
            let key = request.to_string();
            if let Some((_, earlier)) = recordings.get(&key) {
                assert_eq!(
                    earlier, &answer,
                    "scenario {:?}: the same request got two answers: {key}",
                    scenario.name
                );
            }
            recordings.insert(key, (request, answer));
        }
    }

    let actual = json!({
        "$comment": format!(
            "Written by crates/sitebook-core/tests/ui_recordings.rs from scenarios.json; do not \
             edit. To change it, edit scenarios.json and {RERECORD}."
        ),
        "estimates": estimates
            .into_iter()
            .map(|(name, seen)| (name, json!({ "detail": seen.detail, "workForm": seen.work_form })))
            .collect::<serde_json::Map<_, _>>(),
        "recordings": recordings
            .into_values()
            .map(|(request, answer)| match answer {
                Ok(response) => json!({ "request": request, "response": response }),
                Err(error) => json!({ "request": request, "error": error }),
            })
            .collect::<Vec<_>>(),
    });

    if std::env::var_os(RECORD_ENV).is_some() {
        let mut text = serde_json::to_string_pretty(&actual).unwrap();
        text.push('\n');
        std::fs::write(&recorded_path, text).unwrap();
        return;
    }
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(&recorded_path)
            .unwrap_or_else(|_| panic!("{} is missing: {RERECORD}", recorded_path.display())),
    )
    .unwrap();
    if recorded == actual {
        return;
    }
    panic!(
        "the core's answers changed; {RERECORD}.\n{}",
        differences(&recorded, &actual)
    );
}

/// The first few differences between the recorded file and the core's answers, named by
/// request, so the failure says what changed.
fn differences(recorded: &Value, actual: &Value) -> String {
    let mut lines = Vec::new();
    for part in ["$comment", "estimates"] {
        if let Some(difference) = first_difference(&recorded[part], &actual[part], part.into()) {
            lines.push(format!("- {difference}"));
        }
    }
    let index = |file: &Value| -> BTreeMap<String, Value> {
        file["recordings"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|r| (r["request"].to_string(), r.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (before, after) = (index(recorded), index(actual));
    for (key, now) in &after {
        match before.get(key) {
            None => lines.push(format!("- not recorded yet: {key}")),
            Some(then) if then != now => lines.push(format!(
                "- the answer changed for {key}\n    {}",
                first_difference(then, now, String::new())
                    .unwrap_or_else(|| "(the same, in another order)".into())
            )),
            Some(_) => {}
        }
    }
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        lines.push(format!("- no longer in scenarios.json: {key}"));
    }
    let total = lines.len();
    lines.truncate(8);
    if total > lines.len() {
        lines.push(format!("… and {} more", total - lines.len()));
    }
    lines.join("\n")
}

/// Where two values first differ, as a JSON pointer with both sides.
fn first_difference(recorded: &Value, core: &Value, at: String) -> Option<String> {
    match (recorded, core) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|key| {
                first_difference(
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    format!("{at}/{key}"),
                )
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, format!("{at}/{i}"))),
        (a, b) if a == b => None,
        (a, b) => Some(format!("at {at}: recorded {}, core {}", short(a), short(b))),
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 600 {
        format!(
            "{}…",
            &text[..text.char_indices().nth(600).map_or(text.len(), |(i, _)| i)]
        )
    } else {
        text
    }
}
