//! Where the CLI gets passwords: an environment variable for scripts, else a hidden prompt on
//! a terminal. A password is never taken from a flag, where it would land in shell history.

use std::io::IsTerminal;

use sitebook_core::tenancy::accounts::Password;

use crate::UsageError;

/// The password of the account signing in: SITEBOOK_PASSWORD, else a prompt.
pub fn password_for(username: &str) -> Result<Password, UsageError> {
    if let Ok(password) = std::env::var("SITEBOOK_PASSWORD") {
        return Ok(Password::new(password));
    }
    prompt(&format!("Password for {username}: "), "SITEBOOK_PASSWORD").map(Password::new)
}

/// The password of an account being created: SITEBOOK_NEW_PASSWORD, else a prompt asked twice.
pub fn new_password_for(username: &str) -> Result<Password, UsageError> {
    if let Ok(password) = std::env::var("SITEBOOK_NEW_PASSWORD") {
        return Ok(Password::new(password));
    }
    let first = prompt(
        &format!("New password for {username}: "),
        "SITEBOOK_NEW_PASSWORD",
    )?;
    let second = prompt("Repeat the password: ", "SITEBOOK_NEW_PASSWORD")?;
    if first != second {
        return Err(UsageError(
            "The two passwords differ; nothing was done.".into(),
        ));
    }
    Ok(Password::new(first))
}

/// An S3 secret access key: SITEBOOK_S3_SECRET, else a hidden prompt.
pub fn s3_secret() -> Result<String, UsageError> {
    if let Ok(secret) = std::env::var("SITEBOOK_S3_SECRET") {
        return Ok(secret);
    }
    prompt("Secret access key: ", "SITEBOOK_S3_SECRET")
}

/// Asks `question` on the terminal; with none to ask on, names the one variable that answers it.
fn prompt(question: &str, variable: &str) -> Result<String, UsageError> {
    if !std::io::stdin().is_terminal() {
        let asked = question.trim_end_matches([':', ' ']).to_lowercase();
        return Err(UsageError(format!(
            "No {asked} was given: set {variable}, or run in a terminal to be asked."
        )));
    }
    rpassword::prompt_password(question)
        .map_err(|e| UsageError(format!("Could not read the password: {e}")))
}
