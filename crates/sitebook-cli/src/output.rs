//! How results are printed: aligned plain-text tables for people, one JSON document for scripts
//! (`--json`). Errors go to stderr as one line either way.

use std::path::Path;

use serde::Serialize;
use sitebook_core::api::SessionView;
use sitebook_core::inbox::{InboxNews, InboxState, InboxStatus};
use sitebook_core::jobs::queue::JobEnded;
use sitebook_core::jobs::JobStatus;
use sitebook_core::tenancy::accounts::{AccountView, UserView};
use sitebook_core::tenancy::audit_chain::{AuditAnchor, AuditVerification};
use sitebook_core::tenancy::audit_log::AuditEntry;
use sitebook_core::tenancy::memberships::MemberView;
use sitebook_core::tenancy::orgs::{ImportReport, OrgDetails};
use sitebook_core::tenancy::session::OrgChoice;

/// Text safe to put on a terminal: control characters other than line breaks and tabs (the
/// escape that starts a colour or cursor sequence, a bell, a carriage return) are shown
/// escaped, as `\u{1b}`, instead of being obeyed. A sheet name or a typed name can hold them.
/// So are the direction overrides and isolates, which would turn the rest of a table's row
/// around (a name that reads one way and is stored another).
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            safe.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            safe.push(c);
        }
    }
    std::borrow::Cow::Owned(safe)
}

/// `text` kept to one line: a line break or tab (a file name can hold one) is shown escaped, as
/// `\n`, so that a table row or a line of `watch` stays one line and the next reads as its own.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\n', '\t']) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.replace('\n', "\\n").replace('\t', "\\t"))
}

/// The inbox watcher's state as one line of `watch`.
fn inbox_status_line(status: &InboxStatus) -> String {
    let folder = status.folder.as_deref().unwrap_or("");
    let line = match status.state {
        InboxState::Off => "The inbox is off.".to_string(),
        InboxState::Watching => format!("Watching {folder} (Ctrl-C stops)."),
        InboxState::Missing => format!(
            "The inbox folder {folder} is not there (an unplugged drive?); watching resumes when \
             it returns."
        ),
        InboxState::WatchedElsewhere => format!(
            "{} is watching {folder}; this one takes over when it stops (Ctrl-C gives up).",
            status.watched_by.as_deref().unwrap_or("Another Sitebook")
        ),
        InboxState::Paused => format!(
            "Not importing from {folder}: {}",
            status
                .paused_because
                .as_deref()
                .unwrap_or("its person may not upload.")
        ),
    };
    one_line(&line).into_owned()
}

/// One inbox file's news as one line of `watch`, whatever its name holds.
fn inbox_news_line(news: &InboxNews) -> String {
    one_line(&format!("{}: {}", news.file_name, news.message)).into_owned()
}

/// One ended job as one line of `worker`, whatever its file's name holds.
fn job_ended_line(job: &JobEnded) -> String {
    let file = job
        .file_name
        .as_deref()
        .map_or(String::new(), |name| format!(", {name}"));
    let outcome = match (&job.status, &job.error_message) {
        (JobStatus::Failed, Some(error)) => format!("failed: {error}"),
        (status, _) => status.as_str().to_string(),
    };
    let line = format!(
        "job {} ({} in {}{file}): {outcome}",
        job.id,
        job.kind.as_str(),
        job.org_code
    );
    one_line(&line).into_owned()
}

/// Writes one line of results to stdout (see `say!`). A closed pipe ends the program with
/// success; any other write failure is reported on stderr and ends it with failure.
pub fn write_line(args: std::fmt::Arguments) {
    use std::io::Write;
    let line = args.to_string();
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(terminal_safe(&line).as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(error) => {
            tell!("error: could not write the results: {error}");
            std::process::exit(1);
        }
    }
}

/// Writes one line of a message to stderr (see `tell!`), made terminal-safe.
pub fn tell_line(args: std::fmt::Arguments) {
    let line = args.to_string();
    eprintln!("{}", terminal_safe(&line));
}

pub struct Printer {
    json: bool,
}

impl Printer {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    /// A list: the items as JSON with `--json`, else a table with a row per item.
    pub fn table<T: Serialize>(
        &self,
        items: &[T],
        header: &[&str],
        row: impl Fn(&T) -> Vec<String>,
    ) {
        if self.json {
            return self.json(items);
        }
        let rows: Vec<Vec<String>> = items.iter().map(row).collect();
        print_table(header, &rows);
        // A header alone reads as if the listing broke off.
        if rows.is_empty() {
            say!("(none)");
        }
    }

    pub fn json<T: Serialize + ?Sized>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => say!("{text}"),
            Err(error) => tell!("error: could not write JSON: {error}"),
        }
    }

    /// A change of the inbox watcher's state, as it happens (one JSON line each with `--json`).
    pub fn inbox_status(&self, status: &InboxStatus) {
        if self.json {
            say!("{}", serde_json::json!({ "inbox": status }));
            return;
        }
        say!("{}", inbox_status_line(status));
    }

    /// What happened to one inbox file (one JSON line each with `--json`).
    pub fn inbox_news(&self, news: &InboxNews) {
        if self.json {
            say!("{}", serde_json::json!({ "file": news }));
        } else {
            say!("{}", inbox_news_line(news));
        }
    }

    /// A job the worker brought to an end (one JSON line each with `--json`): enough to find it
    /// again with `sitebook --org CODE jobs show ID`.
    pub fn job_ended(&self, job: &JobEnded) {
        if self.json {
            say!("{}", serde_json::json!({ "job": job }));
            return;
        }
        say!("{}", job_ended_line(job));
    }

    /// An error as one line: `{code, message}` with `--json`. Codes are [`sitebook_core::ErrorCode`]s, or the
    /// parser's own (`truncated`, `zip_bomb`, …) for `estimate parse`.
    pub fn error(&self, code: &str, message: &str) {
        if self.json {
            let line = serde_json::json!({ "code": code, "message": message });
            tell!("{line}");
        } else {
            tell!("error: {message}");
        }
    }

    pub fn done(&self, message: &str) {
        if self.json {
            self.json(&serde_json::json!({ "ok": true, "message": message }));
        } else {
            say!("{message}");
        }
    }

    pub fn session_created(&self, view: &SessionView, data_dir: &Path) {
        if self.json {
            return self.json(view);
        }
        say!(
            "Created {} ({}), a superuser, in {}.",
            view.user.username,
            view.user.full_name,
            data_dir.display()
        );
        if let Some(org) = &view.active_org {
            say!("Personal organization: {} ({}).", org.code, org.name);
        }
    }

    pub fn user_created(&self, user: &UserView, org: Option<&str>) {
        if self.json {
            return self.json(user);
        }
        match org {
            Some(org) => say!(
                "Created {} ({}, {}) in {org}.",
                user.username,
                user.full_name,
                user.kind.as_str()
            ),
            None => say!(
                "Created {} ({}, {}).",
                user.username,
                user.full_name,
                user.kind.as_str()
            ),
        }
    }

    pub fn session(&self, view: &SessionView) {
        if self.json {
            return self.json(view);
        }
        match &view.active_org {
            Some(org) => say!(
                "Active organization: {} ({}), acting as {}.",
                org.code,
                org.name,
                org.role.label()
            ),
            None => say!("No organization is active."),
        }
    }

    pub fn org_list(&self, orgs: &[OrgChoice]) {
        if !self.json && orgs.is_empty() {
            say!("You cannot enter any organization yet. Ask an admin to add you to one.");
            return;
        }
        self.table(orgs, &["", "CODE", "NAME", "TYPE", "ROLE"], |org| {
            vec![
                if org.active { "*" } else { "" }.to_string(),
                org.code.clone(),
                org.name.clone(),
                org.org_type.as_str().to_string(),
                org.role.label().to_string(),
            ]
        });
    }

    pub fn org_details(&self, org: &OrgDetails) {
        if self.json {
            return self.json(org);
        }
        say!("{} — {}", org.code, org.name);
        say!("  slug     {}", org.slug);
        say!("  type     {}", org.org_type.as_str());
        say!("  plan     {}", org.plan.as_str());
        say!("  active   {}", if org.active { "yes" } else { "no" });
        say!("  members  {}", org.member_count);
        say!("  you are  {}", org.role.label());
    }

    pub fn import_report(&self, report: &ImportReport) {
        if self.json {
            return self.json(report);
        }
        // A long roster is summed up: its codes are in `org list`.
        const LISTED: usize = 20;
        let noun = if report.imported == 1 {
            "organization"
        } else {
            "organizations"
        };
        let mut codes = report
            .codes
            .iter()
            .take(LISTED)
            .cloned()
            .collect::<Vec<_>>();
        if report.codes.len() > LISTED {
            codes.push(format!("and {} more", report.codes.len() - LISTED));
        }
        say!("Imported {} {noun}: {}.", report.imported, codes.join(", "));
    }

    pub fn members(&self, members: &[MemberView]) {
        self.table(members, &["USER", "NAME", "ROLE", "NOTE"], |m| {
            vec![
                m.username.clone(),
                m.full_name.clone(),
                m.role.as_str().to_string(),
                [
                    m.primary.then(|| "primary".to_owned()),
                    m.locked_until
                        .as_deref()
                        .map(|until| format!("locked until {}", to_the_minute(until))),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            ]
        });
    }

    /// Every account of the computer, one a line, its organizations with its role in each.
    pub fn accounts(&self, accounts: &[AccountView]) {
        self.table(
            accounts,
            &["USER", "NAME", "KIND", "STATE", "ORGANIZATIONS"],
            |account| {
                let state = match (&account.locked_until, account.enabled) {
                    (_, false) => "disabled".to_owned(),
                    (Some(until), true) => format!("locked until {}", to_the_minute(until)),
                    (None, true) => "active".to_owned(),
                };
                let organizations: Vec<String> = account
                    .organizations
                    .iter()
                    .map(|m| {
                        let primary = if m.primary { ", primary" } else { "" };
                        format!("{} ({}{primary})", m.org_code, m.role.as_str())
                    })
                    .collect();
                vec![
                    account.username.clone(),
                    account.full_name.clone(),
                    account.kind.as_str().to_owned(),
                    state,
                    organizations.join(" "),
                ]
            },
        );
    }

    pub fn member(&self, member: &MemberView) {
        if self.json {
            return self.json(member);
        }
        say!("{} is now {}.", member.username, member.role.as_str());
    }

    pub fn audit_reanchored(&self, anchor: &AuditAnchor) {
        if self.json {
            return self.json(anchor);
        }
        say!(
            "The audit log is anchored afresh at entry {}, which records who did it and why; \
             `sitebook audit verify` checks it from now on.",
            anchor.id
        );
    }

    pub fn audit_verification(&self, verification: &AuditVerification) {
        if self.json {
            return self.json(verification);
        }
        if let Some(broken) = &verification.broken {
            tell!(
                "The audit log is BROKEN at entry {}: {}",
                broken.id,
                broken.reason
            );
            tell!(
                "{} entries before it link correctly.",
                verification.verified
            );
            return;
        }
        say!(
            "The audit log is intact: {} entries link correctly{}.",
            verification.verified,
            match &verification.anchor {
                Some(anchor) =>
                    format!(", including entry {} anchored at {}", anchor.id, anchor.at),
                None => String::new(),
            }
        );
        // The anchor vouches for the entries up to it; those written since, only for their
        // order among themselves. Said, so "intact" is not read as more than it is.
        if let (Some(anchor), Some(head)) = (&verification.anchor, verification.head_id) {
            if head > anchor.id {
                say!(
                    "Entries {} to {head} were written after that anchor: they link correctly, \
                     but had newer ones been removed since {}, no check could tell. The log is \
                     anchored at entry {head} now.",
                    anchor.id + 1,
                    anchor.at
                );
            }
        }
        if verification.before_chain > 0 {
            say!(
                "{} older entries were written before the log was chained and are not covered.",
                verification.before_chain
            );
        }
    }

    pub fn audit(&self, entries: &[AuditEntry]) {
        self.table(
            entries,
            &[
                "ID", "AT (UTC)", "USER", "ORG", "ACTION", "OBJECT", "OUTCOME", "REASON",
            ],
            |e| {
                let object = match (&e.object_type, &e.object_id) {
                    (Some(t), Some(id)) => format!("{t}:{id}"),
                    _ => String::new(),
                };
                vec![
                    e.id.to_string(),
                    e.at.clone(),
                    e.username.clone().unwrap_or_default(),
                    e.org_code.clone().unwrap_or_default(),
                    if e.repeats > 1 {
                        format!("{} ×{}", e.action, e.repeats)
                    } else {
                        e.action.clone()
                    },
                    object,
                    if e.outcome == "denied" {
                        "DENIED".to_string()
                    } else {
                        e.outcome.clone()
                    },
                    e.reason.clone().unwrap_or_default(),
                ]
            },
        );
    }
}

/// Longest cell a table shows; longer text is cut with "…" (`--json` gives it whole). A
/// description of a megabyte would otherwise push every column off the screen.
const MAX_TABLE_CELL_CHARS: usize = 200;

/// A stored UTC timestamp (`2026-12-07T10:59:19.718Z`) as a person reads one:
/// `2026-12-07 10:59 UTC`. Anything else is shown as it is.
fn to_the_minute(at: &str) -> String {
    match (at.get(..10), at.get(10..11), at.get(11..16)) {
        (Some(day), Some("T"), Some(time)) if at.ends_with('Z') => format!("{day} {time} UTC"),
        _ => at.to_owned(),
    }
}

/// "1 output", "3 outputs": a count with its noun in the right number.
pub fn counted(count: impl Into<u64>, one: &str, many: &str) -> String {
    match count.into() {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// `text` cut to at most `max` characters, the last of them "…", for a table column whose
/// whole text another command shows.
pub fn clipped(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    for line in table_lines(header, rows) {
        say!("{line}");
    }
}

/// The lines of [`print_table`]: each column as wide as its widest cell in terminal columns.
fn table_lines(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let shown = |cell: &str| -> String {
        // A line break or tab in a cell (a file name can hold one) would break the row; shown
        // escaped, each row stays one line. Other control characters are escaped here too, not
        // only when the line is written, so that the columns are measured as they will show.
        let cell = one_line(cell);
        clipped(&terminal_safe(&cell), MAX_TABLE_CELL_CHARS)
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| shown(cell)).collect())
        .collect();
    let columns = |cell: &str| unicode_width::UnicodeWidthStr::width(cell);
    let mut widths: Vec<usize> = header.iter().map(|h| columns(h)).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(columns(cell));
        }
    }
    // Padded by hand: `format!("{cell:<width$}")` panics on a width past u16::MAX, and counts
    // characters, not the columns they take.
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| {
                let pad = width.saturating_sub(columns(cell));
                format!("{cell}{}", " ".repeat(pad))
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    std::iter::once(line(header.to_vec()))
        .chain(
            rows.iter()
                .map(|row| line(row.iter().map(String::as_str).collect())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{clipped, counted, terminal_safe, to_the_minute};

    #[test]
    fn a_long_cell_is_clipped_to_its_width_with_an_ellipsis() {
        assert_eq!(clipped("Waiting to retry", 60), "Waiting to retry");
        assert_eq!(clipped("Gandhi Nagar colony", 6), "Gandh…");
        assert_eq!(clipped(&"x".repeat(61), 60), format!("{}…", "x".repeat(59)));
        assert_eq!(clipped(&"x".repeat(60), 60), "x".repeat(60));
    }

    #[test]
    fn a_stored_timestamp_is_shown_to_the_minute_in_utc() {
        assert_eq!(
            to_the_minute("2026-12-07T10:59:19.718Z"),
            "2026-12-07 10:59 UTC"
        );
        assert_eq!(to_the_minute("tomorrow"), "tomorrow");
    }

    #[test]
    fn one_of_a_thing_is_singular_and_none_or_many_are_plural() {
        assert_eq!(counted(1u32, "output", "outputs"), "1 output");
        assert_eq!(counted(0u32, "output", "outputs"), "0 outputs");
        assert_eq!(counted(12u64, "day", "days"), "12 days");
    }

    #[test]
    fn columns_line_up_under_escaped_control_characters_and_indian_scripts() {
        let lines = super::table_lines(
            &["FILE", "BY"],
            &[
                vec!["a\u{1}b.xlsx".into(), "root".into()],
                vec!["సిమెంట్ రోడ్డు.xlsx".into(), "root".into()],
                vec!["सड़क.xlsx".into(), "root".into()],
                vec!["line\nbreak.xlsx".into(), "root".into()],
            ],
        );
        // Where the second column starts on a terminal: the columns the text before it takes.
        let starts: Vec<usize> = lines
            .iter()
            .map(|line| {
                let before = line.rfind(' ').map_or(0, |i| i + 1);
                unicode_width::UnicodeWidthStr::width(&line[..before])
            })
            .collect();
        assert!(
            starts.iter().all(|s| *s == starts[0]),
            "{lines:#?} {starts:?}"
        );
        assert!(lines[1].starts_with("a\\u{1}b.xlsx"), "{}", lines[1]);
        assert!(lines[4].starts_with("line\\nbreak.xlsx"), "{}", lines[4]);
    }

    #[test]
    fn a_table_with_a_megabyte_cell_prints_it_cut_short() {
        // Panicked before ("Formatting argument out of range").
        let huge = "W".repeat(1 << 20);
        super::print_table(&["A", "B"], &[vec![huge, "x".into()]]);
    }

    #[test]
    fn a_file_name_with_a_line_break_keeps_each_watch_and_worker_line_one_line() {
        use sitebook_core::inbox::{InboxNews, InboxOutcome};
        use sitebook_core::jobs::queue::JobEnded;
        use sitebook_core::jobs::{JobKind, JobStatus};

        let news = InboxNews {
            file_name: "ward 12\nImported: fake.xlsx".into(),
            outcome: InboxOutcome::Queued,
            message: "Queued as job 7.".into(),
            job_id: Some(7),
        };
        assert_eq!(
            super::inbox_news_line(&news),
            "ward 12\\nImported: fake.xlsx: Queued as job 7."
        );
        let ended = JobEnded {
            id: 7,
            org_code: "PWD".into(),
            kind: JobKind::ParseEstimate,
            status: JobStatus::Failed,
            file_name: Some("a\tb\nc.xlsx".into()),
            error_message: Some("This file is not a workbook.".into()),
        };
        let line = super::job_ended_line(&ended);
        assert!(!line.contains(['\n', '\t']), "{line:?}");
        assert!(line.contains("a\\tb\\nc.xlsx"), "{line}");
    }

    #[test]
    fn control_sequences_are_shown_not_obeyed() {
        assert_eq!(terminal_safe("Road works\tA"), "Road works\tA");
        assert_eq!(
            terminal_safe("\u{1b}[31mEstimate\u{7}\r"),
            "\\u{1b}[31mEstimate\\u{7}\\u{d}"
        );
        assert_eq!(terminal_safe("line\nnext"), "line\nnext");
        assert_eq!(
            terminal_safe("Road \u{202e}skrow\u{2066}"),
            "Road \\u{202e}skrow\\u{2066}"
        );
        // Indian scripts' joiners are letters' business, not direction: left as they are.
        assert_eq!(terminal_safe("క్\u{200d}ష"), "క్\u{200d}ష");
    }
}
