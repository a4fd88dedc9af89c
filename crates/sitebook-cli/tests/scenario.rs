//! The real `sitebook` binary, driven as a script would drive it: one device, a dozen
//! organizations, people of every kind, and the refusals that keep them apart.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const PASSWORD: &str = "scenario-pass-1";

struct Device {
    dir: TempDir,
}

impl Device {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `sitebook --data-dir DIR [--user USER] args…` with passwords in the environment.
    fn run(&self, user: Option<&str>, args: &[&str]) -> assert_cmd::assert::Assert {
        let mut command = Command::cargo_bin("sitebook").unwrap();
        command
            .arg("--data-dir")
            .arg(self.dir.path())
            .env("SITEBOOK_PASSWORD", PASSWORD)
            .env("SITEBOOK_NEW_PASSWORD", PASSWORD)
            .env_remove("SITEBOOK_USER")
            .env_remove("SITEBOOK_DATA_DIR");
        if let Some(user) = user {
            command.args(["--user", user]);
        }
        command.args(args).assert()
    }

    fn json(&self, user: &str, args: &[&str]) -> Value {
        let output = self
            .run(Some(user), args)
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&output).expect("--json prints JSON")
    }

    fn audit_rows(&self) -> Vec<Value> {
        let rows = self.json("root", &["audit", "list", "--json", "--limit", "100000"]);
        rows.as_array().unwrap().clone()
    }

    /// Whether a denied row exists for this user and action.
    fn denied(&self, user: &str, action: &str) -> bool {
        self.audit_rows().iter().any(|row| {
            row["username"] == user && row["action"] == action && row["outcome"] == "denied"
        })
    }
}

fn roster() -> String {
    format!("{}/../../examples/orgs.csv", env!("CARGO_MANIFEST_DIR"))
}

/// A device with the example roster and one person of each kind and role.
fn populated() -> Device {
    let device = Device::new();
    device
        .run(Some("root"), &["init", "--name", "Root Admin"])
        .success()
        .stdout(predicate::str::contains("a superuser"));
    device
        .run(Some("root"), &["org", "import", &roster()])
        .success()
        .stdout(predicate::str::contains("Imported 12 organizations"));
    for (name, kind) in [
        ("su2", "superuser"),
        ("ops", "operations"),
        ("cmo", "oversight"),
    ] {
        // A privileged account joins no organization, and is not said to.
        device
            .run(
                Some("root"),
                &["user", "add", name, "--name", "Some One", "--kind", kind],
            )
            .success()
            .stdout(predicate::str::ends_with(format!(
                "Created {name} (Some One, {kind}).\n"
            )));
    }
    for (name, org, role) in [
        ("hadmin", "MOH", "admin"),
        ("field", "MOH", "member"),
        ("vic", "moh", "viewer"),
        ("aadmin", "MAFAR", "admin"),
    ] {
        device
            .run(
                Some("root"),
                &[
                    "--org",
                    org,
                    "user",
                    "add",
                    name,
                    "--name",
                    "Some One",
                    "--role",
                    role,
                    "--no-personal-org",
                ],
            )
            .success()
            .stdout(predicate::str::contains(format!(
                "in {}",
                org.to_uppercase()
            )));
    }
    device
}

#[test]
fn the_whole_tenancy_scenario() {
    let device = populated();

    // A viewer's write is denied with exit 3 and audited.
    device
        .run(Some("vic"), &["member", "add", "field", "--role", "viewer"])
        .code(3)
        .stderr(predicate::str::contains("read-only"));
    assert!(device.denied("vic", "members.manage"));

    // Oversight lists every org, and every write is denied and audited.
    let orgs = device.json("cmo", &["org", "list", "--json"]);
    let codes: Vec<&str> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    for code in ["MOH", "MAFAR", "OCM", "OOBC", "SPDA", "root"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert!(orgs
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["role"] == "oversight"));
    let writes: [&[&str]; 5] = [
        &["--org", "MOH", "member", "add", "field", "--role", "viewer"],
        &["--org", "MOH", "member", "role", "field", "admin"],
        &["--org", "MOH", "member", "remove", "field"],
        &["org", "create", "NEWORG", "--name", "New"],
        &["org", "import", &roster()],
    ];
    for args in writes {
        device.run(Some("cmo"), args).code(3);
    }
    device
        .run(
            Some("cmo"),
            &["--org", "MOH", "org", "rename", "--name", "Oversight's"],
        )
        .code(3);

    // An org's owners and superusers rename it, keeping its code; an admin runs it but does
    // not rename it.
    device
        .run(
            Some("hadmin"),
            &["--org", "MOH", "org", "rename", "--name", "Health Dept"],
        )
        .code(3)
        .stderr(predicate::str::contains("rename this organization"));
    device
        .run(
            Some("root"),
            &[
                "--org",
                "MOH",
                "org",
                "rename",
                "--name",
                "Health Engineering Department",
            ],
        )
        .success()
        .stdout(predicate::str::contains(
            "MOH is now named \"Health Engineering Department\"; its code and folders stay",
        ));
    let shown = device.json("hadmin", &["--org", "MOH", "org", "show", "--json"]);
    assert_eq!(
        (&shown["code"], &shown["name"]),
        (
            &serde_json::json!("MOH"),
            &serde_json::json!("Health Engineering Department")
        )
    );
    device
        .run(
            Some("cmo"),
            &["user", "add", "newbie", "--name", "New Person"],
        )
        .code(3);
    device
        .run(
            Some("cmo"),
            &[
                "user",
                "add",
                "newops",
                "--name",
                "New Ops",
                "--kind",
                "operations",
            ],
        )
        .code(3);
    // A sync target is refused before its secret is asked for: with no secret in the
    // environment and no terminal, the refusal (exit 3, audited) comes, not the question.
    device
        .run(
            Some("cmo"),
            &[
                "--org",
                "MOH",
                "sync",
                "config",
                "--endpoint",
                "http://127.0.0.1:9",
                "--bucket",
                "works",
                "--access-key-id",
                "GKcmo",
            ],
        )
        .code(3)
        .stderr(predicate::str::contains("secret").not());
    assert!(device.denied("cmo", "sync.configure"));
    assert!(device.denied("cmo", "members.manage"));
    assert!(device.denied("cmo", "org.create"));
    assert!(device.denied("cmo", "org.import"));
    assert!(device.denied("cmo", "account.create"));

    // An operations user switches into any org, and the switch is remembered.
    for code in ["OOBC", "mafar", "SPDA"] {
        device.run(Some("ops"), &["org", "switch", code]).success();
        let shown = device.json("ops", &["org", "show", "--json"]);
        assert_eq!(shown["code"], code.to_uppercase());
        assert_eq!(shown["role"], "operations");
    }

    // A standard user cannot switch into an org without a membership, and is told so in the
    // words an unknown code gets (exit 3 both), so that refusals list no organizations.
    device
        .run(Some("field"), &["org", "switch", "MAFAR"])
        .code(3)
        .stderr(predicate::str::contains(
            "You cannot enter 'MAFAR': none of your organizations has this code.",
        ));
    device
        .run(Some("field"), &["--org", "NOSUCH", "org", "show"])
        .code(3)
        .stderr(predicate::str::contains(
            "You cannot enter 'NOSUCH': none of your organizations has this code.",
        ));
    assert!(device.denied("field", "org.switch"));
    let field_orgs = device.json("field", &["org", "list", "--json"]);
    assert_eq!(field_orgs.as_array().unwrap().len(), 1);
    assert_eq!(field_orgs[0]["code"], "MOH");
    assert_eq!(field_orgs[0]["active"], true);

    // A cross-org object id gives "not found", exactly like a missing one, and is audited.
    device
        .run(Some("aadmin"), &["org", "show"])
        .success()
        .stdout(predicate::str::contains("MAFAR"));
    let mafar_row = device
        .json("aadmin", &["audit", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["orgCode"] == "MAFAR")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let cross = device
        .run(Some("hadmin"), &["audit", "show", &mafar_row.to_string()])
        .code(4)
        .get_output()
        .stderr
        .clone();
    let missing = device
        .run(Some("hadmin"), &["audit", "show", "987654321"])
        .code(4)
        .get_output()
        .stderr
        .clone();
    assert_eq!(
        String::from_utf8_lossy(&cross).replace(&mafar_row.to_string(), "N"),
        String::from_utf8_lossy(&missing).replace("987654321", "N")
    );
    assert!(device.denied("hadmin", "object.read"));
}

#[test]
fn bad_input_gets_one_clear_line_and_the_right_exit_code() {
    let device = populated();

    // Unknown org code or user.
    device
        .run(Some("root"), &["org", "switch", "NOPE"])
        .code(4)
        .stderr(predicate::str::contains(
            "No organization has the code 'NOPE'",
        ));
    device
        .run(Some("root"), &["--org", "MOH", "member", "add", "ghost"])
        .code(4)
        .stderr(predicate::str::contains("No account named 'ghost'"));
    // An unknown user gets the wrong-password answer: sign-in never says who exists.
    device
        .run(Some("ghost"), &["org", "list"])
        .code(3)
        .stderr(predicate::str::contains(
            "The username or password is wrong.",
        ));

    // Wrong password, then a locked account.
    let wrong = |device: &Device| {
        let mut command = Command::cargo_bin("sitebook").unwrap();
        command
            .args(["--data-dir"])
            .arg(device.dir.path())
            .args(["--user", "field", "org", "list"])
            .env("SITEBOOK_PASSWORD", "not it at all")
            .assert()
    };
    for _ in 0..4 {
        wrong(&device).code(3).stderr(predicate::str::contains(
            "The username or password is wrong.",
        ));
    }
    wrong(&device)
        .code(3)
        .stderr(predicate::str::contains("is locked"));
    device
        .run(Some("field"), &["org", "list"])
        .code(3)
        .stderr(predicate::str::contains("is locked"));

    // Each refusal in this test is spelled out with its own command and message.
    // Duplicate code or username.
    device
        .run(Some("root"), &["org", "create", "moh", "--name", "Again"])
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    device
        .run(
            Some("root"),
            &["--org", "MOH", "user", "add", "HADMIN", "--name", "X Y"],
        )
        .code(1)
        .stderr(predicate::str::contains("already exists"));

    // Malformed CSV rows: every bad line by number, nothing imported.
    let bad = device.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,name,type\nGOOD1,Fine,office\nB,Too short,office\nGOOD2,Fine,bureau\n",
    )
    .unwrap();
    let assert = device
        .run(Some("root"), &["org", "import", bad.to_str().unwrap()])
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("line 3") && stderr.contains("line 4"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    let codes = device.json("root", &["org", "list", "--json"]).to_string();
    assert!(
        !codes.contains("GOOD1"),
        "nothing of a bad roster is imported"
    );

    // Removing or demoting the last owner.
    device
        .run(
            Some("root"),
            &["--org", "MOH", "member", "add", "ops", "--role", "owner"],
        )
        .success();
    device
        .run(
            Some("ops"),
            &["--org", "MOH", "member", "role", "ops", "admin"],
        )
        .code(3)
        .stderr(predicate::str::contains("last owner"));
    device
        .run(Some("ops"), &["--org", "MOH", "member", "remove", "ops"])
        .code(3)
        .stderr(predicate::str::contains("last owner"));

    // Any org-scoped command with no active org.
    device
        .run(
            Some("root"),
            &[
                "--org",
                "MOH",
                "user",
                "add",
                "drifter",
                "--name",
                "D R",
                "--no-personal-org",
            ],
        )
        .success();
    device
        .run(
            Some("root"),
            &["--org", "MOH", "member", "remove", "drifter"],
        )
        .success();
    device
        .run(Some("drifter"), &["org", "show"])
        .code(3)
        .stderr(predicate::str::contains("No organization is active"));
    device.run(Some("drifter"), &["member", "list"]).code(3);
    assert!(device.denied("drifter", "org.view"));
}

#[test]
fn usage_errors_exit_2_and_every_command_has_help() {
    let device = Device::new();
    device
        .run(None, &["org", "list"])
        .code(2)
        .stderr(predicate::str::contains("--user NAME"));
    device.run(None, &["frobnicate"]).code(2);
    device
        .run(Some("root"), &["member", "role", "x", "emperor"])
        .code(2);
    let commands: [&[&str]; 16] = [
        &[],
        &["init"],
        &["user"],
        &["user", "add"],
        &["org"],
        &["org", "list"],
        &["org", "switch"],
        &["org", "show"],
        &["org", "create"],
        &["org", "import"],
        &["member", "list"],
        &["member", "add"],
        &["member", "role"],
        &["member", "remove"],
        &["audit", "list"],
        &["audit", "show"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        device
            .run(None, &args)
            .success()
            .stdout(predicate::str::contains("Usage: sitebook"));
    }
}

#[test]
fn json_errors_are_one_object_with_a_code() {
    let device = populated();
    let assert = device
        .run(Some("vic"), &["--json", "member", "add", "field"])
        .code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let error: Value = serde_json::from_str(stderr.trim()).expect("one JSON object");
    assert_eq!(error["code"], "denied");
    assert!(error["message"].as_str().unwrap().contains("MOH"));
    // So is a command line that cannot be read, which clap would print as text.
    for args in [
        &["--json", "jobs", "show", "abc"][..],
        &["--json", "jobs", "list", "--bogus"][..],
    ] {
        let assert = device.run(Some("vic"), args).code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        let error: Value = serde_json::from_str(stderr.trim()).expect("one JSON object");
        assert_eq!(error["code"], "usage", "{stderr}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn a_mistyped_data_folder_is_named_and_left_unmade() {
    let device = populated();
    let typo = device.dir.path().with_extension("typo");
    let as_root = |data_dir: &std::path::Path| {
        let mut command = Command::cargo_bin("sitebook").unwrap();
        command
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--user", "root", "org", "list"])
            .env("SITEBOOK_PASSWORD", PASSWORD)
            .env_remove("SITEBOOK_DATA_DIR");
        command
    };
    // Not "the username or password is wrong" from a database made on the spot.
    as_root(&typo).assert().code(2).stderr(
        predicate::str::contains(format!("There is no Sitebook data in {}.", typo.display()))
            .and(predicate::str::contains("sitebook init")),
    );
    assert!(!typo.exists(), "{} was made", typo.display());
    // A worker may start a database, but not in a folder that is not there: it had made an
    // empty one at the typo, which no one's jobs reach.
    let mut worker = Command::cargo_bin("sitebook").unwrap();
    worker
        .arg("--data-dir")
        .arg(&typo)
        .args(["worker", "--exit-when-idle"])
        .env_remove("SITEBOOK_DATA_DIR")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(format!("There is no folder {}.", typo.display()))
                .and(predicate::str::contains("--data-dir")),
        );
    assert!(!typo.exists(), "{} was made by the worker", typo.display());
    // A file given as the folder is called one.
    let file = device.dir.path().join("sitebook.sqlite");
    sitebook_init_in(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{} is a file, not a folder",
            file.display()
        )));
    // The right folder still answers.
    as_root(device.dir.path()).assert().success();
}

#[test]
fn an_empty_listing_says_none_under_its_header() {
    let device = populated();
    device
        .run(Some("root"), &["audit", "list", "--denied"])
        .success()
        .stdout(predicate::str::is_match(r"(?m)^ID\s+AT \(UTC\).*\n\(none\)\n$").unwrap());
}

fn sitebook_init_in(data_dir: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("sitebook").unwrap();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--user", "root", "init", "--name", "Root Admin"])
        .env("SITEBOOK_NEW_PASSWORD", PASSWORD)
        .env_remove("SITEBOOK_DATA_DIR");
    command
}

#[test]
fn no_password_and_no_terminal_is_a_usage_error_not_a_hang() {
    let device = populated();
    let mut command = Command::cargo_bin("sitebook").unwrap();
    command
        .arg("--data-dir")
        .arg(device.dir.path())
        .args(["--user", "root", "org", "list"])
        .env_remove("SITEBOOK_PASSWORD")
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SITEBOOK_PASSWORD"));
}

#[test]
fn a_locked_out_member_is_listed_as_locked_and_an_admin_unlocks_them() {
    let device = populated();
    let wrong = |device: &Device| {
        let mut command = Command::cargo_bin("sitebook").unwrap();
        command
            .arg("--data-dir")
            .arg(device.dir.path())
            .args(["--user", "field", "org", "show"])
            .env("SITEBOOK_PASSWORD", "not-the-password")
            .env_remove("SITEBOOK_USER")
            .env_remove("SITEBOOK_DATA_DIR")
            .assert()
    };
    for _ in 0..4 {
        wrong(&device).failure();
    }
    wrong(&device)
        .failure()
        .stderr(predicate::str::contains("sitebook member unlock field"));
    // The right password is refused while the lock holds.
    device.run(Some("field"), &["org", "show"]).failure();
    device
        .run(Some("hadmin"), &["member", "list"])
        .success()
        .stdout(
            predicate::str::is_match(r"(?m)^USER\s+NAME\s+ROLE\s+NOTE$")
                .unwrap()
                .and(
                    predicate::str::is_match(
                        r"field .*locked until 20\d\d-\d\d-\d\d \d\d:\d\d UTC",
                    )
                    .unwrap(),
                ),
        );
    // A viewer may not lift it; the org's admin may.
    device
        .run(Some("vic"), &["member", "unlock", "field"])
        .code(3);
    device
        .run(Some("hadmin"), &["member", "unlock", "field"])
        .success()
        .stdout(predicate::str::contains("Unlocked field"));
    device.run(Some("field"), &["org", "show"]).success();
    device
        .run(Some("hadmin"), &["member", "unlock", "field"])
        .success()
        .stdout(predicate::str::contains("field was not locked"));
}

#[test]
fn user_list_shows_every_account_with_its_kind_state_and_organizations() {
    let device = populated();
    let listed = device.run(Some("root"), &["user", "list"]).success();
    let text = String::from_utf8_lossy(&listed.get_output().stdout).into_owned();
    let line_of = |user: &str| -> Vec<String> {
        text.lines()
            .find(|line| line.split_whitespace().next() == Some(user))
            .unwrap_or_else(|| panic!("{user} is not listed:\n{text}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert!(text.starts_with("USER"), "{text}");
    // hadmin: "Some One", standard, active, admin of MOH, which is its primary org.
    assert_eq!(
        line_of("hadmin")[3..],
        ["standard", "active", "MOH", "(admin,", "primary)"]
    );
    assert_eq!(line_of("cmo")[3..5], ["oversight", "active"]);
    assert_eq!(line_of("ops")[3..5], ["operations", "active"]);
    // An org's admin manages its members, not the computer's accounts.
    device
        .run(Some("hadmin"), &["user", "list"])
        .code(3)
        .stderr(predicate::str::contains(
            "see every account on this computer",
        ));
}

#[test]
fn a_command_that_cannot_act_in_the_org_last_used_says_where_it_acts_instead() {
    // The lists had silently shown another org, and an empty one read as "MAFAR has none".
    let device = populated();
    device
        .run(
            Some("root"),
            &[
                "--org", "MAFAR", "member", "add", "field", "--role", "member",
            ],
        )
        .success();
    device
        .run(Some("field"), &["org", "switch", "MAFAR"])
        .success();
    device
        .run(Some("field"), &["estimate", "list"])
        .success()
        .stderr(predicate::str::contains("no longer act").not());
    device
        .run(
            Some("root"),
            &["--org", "MAFAR", "member", "remove", "field"],
        )
        .success();
    device
        .run(Some("field"), &["estimate", "list"])
        .success()
        .stderr(predicate::str::contains(
            "You can no longer act in MAFAR (your membership was removed, or it was closed), \
             so this runs in MOH.",
        ));
    // Asked for by name, nothing fell back.
    device
        .run(Some("field"), &["--org", "MOH", "estimate", "list"])
        .success()
        .stderr(predicate::str::contains("no longer act").not());
}

#[test]
fn a_forgotten_password_is_reset_by_the_admin_and_replaced_by_its_owner() {
    let device = populated();
    let with = |user: &str, current: &str, new: &str, args: &[&str]| {
        let mut command = Command::cargo_bin("sitebook").unwrap();
        command
            .arg("--data-dir")
            .arg(device.dir.path())
            .args(["--user", user])
            .args(args)
            .env("SITEBOOK_PASSWORD", current)
            .env("SITEBOOK_NEW_PASSWORD", new)
            .env_remove("SITEBOOK_USER")
            .env_remove("SITEBOOK_DATA_DIR")
            .assert()
    };
    with(
        "hadmin",
        PASSWORD,
        "temporary-9",
        &["member", "reset-password", "field"],
    )
    .success()
    .stdout(predicate::str::contains("temporary password"));
    // The temporary one is right, but signs in to nothing until field chooses their own.
    with("field", "temporary-9", "", &["org", "show"])
        .code(3)
        .stderr(predicate::str::contains("choose a new one"));
    with("field", "temporary-9", "fields-own-1", &["password"])
        .success()
        .stdout(predicate::str::contains("password of field is changed"));
    with("field", "temporary-9", "", &["org", "show"]).code(3);
    with("field", "fields-own-1", "", &["org", "show"]).success();
    // A password is the account's, not an organization's: an --org given with it changes
    // nothing (it had changed the password and then failed on the org, so the person took the
    // change for undone).
    with(
        "field",
        "fields-own-1",
        "fields-own-2",
        &["--org", "no-such-org", "password"],
    )
    .success();
    with("field", "fields-own-2", "fields-own-1", &["password"]).success();
    // A viewer manages no one.
    with(
        "vic",
        PASSWORD,
        "temporary-9",
        &["member", "reset-password", "field"],
    )
    .code(3);
    // And is told so before being asked for a password: here none is given and there is no
    // terminal to ask on, so the ask would fail first (it did, naming SITEBOOK_NEW_PASSWORD).
    for args in [
        &["member", "reset-password", "field"][..],
        &["user", "add", "newcomer", "--name", "New Comer"][..],
    ] {
        Command::cargo_bin("sitebook")
            .unwrap()
            .arg("--data-dir")
            .arg(device.dir.path())
            .args(["--user", "vic"])
            .args(args)
            .env("SITEBOOK_PASSWORD", PASSWORD)
            .env_remove("SITEBOOK_NEW_PASSWORD")
            .env_remove("SITEBOOK_USER")
            .env_remove("SITEBOOK_DATA_DIR")
            .assert()
            .code(3)
            .stderr(predicate::str::contains("SITEBOOK_NEW_PASSWORD").not());
    }

    // Someone who leaves: a superuser disables the account, which then signs in nowhere; only
    // a superuser may, and not their own.
    with("hadmin", PASSWORD, "", &["user", "disable", "field"]).code(3);
    with("root", PASSWORD, "", &["user", "disable", "root"]).code(1);
    with("root", PASSWORD, "", &["user", "disable", "field"])
        .success()
        .stdout(predicate::str::contains("field is disabled"));
    with("field", "fields-own-1", "", &["org", "show"])
        .code(3)
        .stderr(predicate::str::contains("disabled"));
    with("root", PASSWORD, "", &["user", "enable", "field"]).success();
    with("field", "fields-own-1", "", &["org", "show"]).success();
}

// Its own process, not `populated().run`: the reader must be able to close the pipe early.
#[test]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    // `sitebook audit list | head -1`: the reader goes away before the listing is written.
    let device = populated();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sitebook"))
        .arg("--data-dir")
        .arg(device.dir.path())
        .args(["--user", "root", "audit", "list", "--limit", "100000"])
        .env("SITEBOOK_PASSWORD", PASSWORD)
        .env_remove("SITEBOOK_USER")
        .env_remove("SITEBOOK_DATA_DIR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn terminal_control_sequences_in_what_is_echoed_are_escaped() {
    // A name typed with a colour sequence and a bell is refused, without echoing it raw.
    let device = populated();
    let evil = "\u{1b}]0;owned\u{7}\u{1b}[31mEve";
    let refused = device
        .run(
            Some("root"),
            &["user", "add", "eve", "--name", evil, "--role", "member"],
        )
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("control character"), "{stderr:?}");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );

    // One stored before names were checked is shown, never obeyed.
    device
        .run(
            Some("root"),
            &["user", "add", "eve", "--name", "Eve", "--role", "member"],
        )
        .success();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut conn = common::database(device.dir.path()).await;
        sqlx::query("UPDATE users SET full_name = ? WHERE username = 'eve'")
            .bind(evil)
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let listed = device
        .run(Some("root"), &["member", "list"])
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("\\u{1b}[31mEve"),
        "shown escaped: {stdout:?}"
    );
}

#[test]
fn audit_verify_says_intact_then_names_a_forged_entry_and_exits_5() {
    let device = Device::new();
    device
        .run(Some("root"), &["init", "--name", "Root Admin"])
        .success();
    device
        .run(Some("root"), &["audit", "verify"])
        .success()
        .stdout(
            predicate::str::contains("The audit log is intact")
                .and(predicate::str::contains("written after that anchor").not()),
        );
    assert!(device.dir.path().join("audit-anchor.json").exists());
    // Checked again, the entries written since the first check (this one's own among them)
    // are said to be vouched for only by their order, and anchored now.
    let again = device
        .run(Some("root"), &["audit", "verify"])
        .success()
        .get_output()
        .stdout
        .clone();
    let again = String::from_utf8_lossy(&again);
    let json = device
        .run(Some("root"), &["audit", "verify", "--json"])
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&json).unwrap();
    let anchored = json["anchor"]["id"].as_i64().unwrap();
    assert!(
        again.contains(
            " were written after that anchor: they link correctly, but had newer \
                         ones been removed since "
        ) && again.contains(" no check could tell. The log is anchored at entry "),
        "{again}"
    );
    assert!(
        json["headId"].as_i64().unwrap() > anchored,
        "the JSON run checked against the anchor the run before it wrote: {json}"
    );

    // Someone with the file adds a row by hand.
    let forged: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut conn = common::database(device.dir.path()).await;
        sqlx::query_scalar(
            "INSERT INTO audit_log (at, username, action, outcome, device) \
             VALUES ('2026-01-01T00:00:00Z', 'root', 'org.create', 'success', 'x') RETURNING id",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
    });
    device
        .run(Some("root"), &["audit", "verify"])
        .code(5)
        .stderr(predicate::str::contains(format!(
            "The audit log is BROKEN at entry {forged}"
        )));
    let json = device
        .run(Some("root"), &["audit", "verify", "--json"])
        .code(5)
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["broken"]["id"], forged);
    // A forged entry is not blessed by anchoring afresh.
    device
        .run(
            Some("root"),
            &["audit", "re-anchor", "--reason", "Accept the log as it is"],
        )
        .code(1)
        .stderr(predicate::str::contains(format!(
            "The log's own chain is broken at entry {forged}"
        )));
}

#[test]
fn a_lost_audit_anchor_is_accepted_afresh_by_a_superuser_with_a_reason() {
    let device = Device::new();
    device
        .run(Some("root"), &["init", "--name", "Root Admin"])
        .success();
    device.run(Some("root"), &["audit", "verify"]).success();
    std::fs::remove_file(device.dir.path().join("audit-anchor.json")).unwrap();
    device
        .run(Some("root"), &["audit", "verify"])
        .code(5)
        .stderr(predicate::str::contains("sitebook audit re-anchor"));
    device
        .run(
            Some("root"),
            &[
                "audit",
                "re-anchor",
                "--reason",
                "Disk restored from the March backup",
            ],
        )
        .success()
        .stdout(predicate::str::contains("anchored afresh at entry"));
    device
        .run(Some("root"), &["audit", "verify"])
        .success()
        .stdout(predicate::str::contains("The audit log is intact"));
}
