//! An organization's sync target: where its outputs go, and under which access key.
//!
//! Owners and admins set it (`sync.configure`); everyone who can enter the org may see it
//! (`sync.view`), secret excepted: the secret access key is written to the OS keyring before the
//! row is, so a refused keyring stores nothing, and it is never read back into a view. Every
//! change is audited, naming the endpoint's host and the bucket, never the secret.
//!
//! Settings are checked as a whole and every problem is named at once: the endpoint must be an
//! http(s) URL with a host and no path, the region a region name (an AWS one for an
//! `amazonaws.com` endpoint), the bucket a valid S3 bucket name.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::permissions::{permits, Action};
use crate::error::{Error, Result};
use crate::jobs::Ctx;
use crate::secrets::Secret;
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::gate::{OrgScope, WriteScope};
use crate::tenancy::session::session_for_job;

/// What a person enters for a target (everything but the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncSettings {
    /// `https://s3.eu-central-1.amazonaws.com`, `https://<account>.r2.cloudflarestorage.com`,
    /// `http://garage.office.lan:3900`.
    pub endpoint: String,
    /// `us-east-1`, `auto` (R2), or the region a Garage cluster is configured with.
    pub region: String,
    /// The bucket's name; it must be a valid S3 bucket name.
    pub bucket: String,
    /// Keys start with this folder, if any (`sitebook`, `district-7/outputs`).
    pub prefix: String,
    /// Path-style addressing (`endpoint/bucket/key`), which Garage and MinIO need; otherwise
    /// virtual-hosted (`bucket.endpoint/key`).
    pub path_style: bool,
    /// The access key id the secret belongs to; stored in the database, unlike the secret.
    pub access_key_id: String,
}

/// A target as shown to people: never the secret, only whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncTargetView {
    /// Where and how outputs are sent.
    #[serde(flatten)]
    pub settings: SyncSettings,
    /// Whether the syncer sends this org's outputs now; turning it off keeps the settings.
    pub enabled: bool,
    /// When the target was last changed: RFC 3339 UTC text.
    pub updated_at: String,
    /// When the bucket was last checked for outputs deleted or replaced there, by anyone or by
    /// the background syncer: RFC 3339 UTC text, or none since these settings were saved.
    pub checked_at: Option<String>,
    /// Why nothing is sent although sync is on: the background syncer acts as the person who
    /// last saved or turned on these settings, and that person may no longer change sync here
    /// (left the org, lost the role, account disabled). Whoever saves them again or turns sync
    /// on again resumes it as themselves. None when the syncer can act, or sync is off.
    pub halted: Option<String>,
}

/// A target as the syncer uses it.
#[derive(Debug, Clone)]
pub(crate) struct SyncTarget {
    pub settings: SyncSettings,
    pub enabled: bool,
    /// Where the secret is filed in the keyring.
    pub secret_account: String,
    pub updated_at: String,
    pub checked_at: Option<String>,
    /// The person the background syncer acts as: who last saved or turned on the settings.
    pub updated_by: i64,
}

/// The keyring account an org's secret is filed under. The keyring is the OS user's, shared by
/// every data dir on the machine, so the account names the data dir too (by a hash of its path
/// when the secret was stored; the row keeps the name, so a moved data dir still finds it).
fn secret_account(ctx: &Ctx, org_slug: &str) -> String {
    use sha2::{Digest, Sha256};
    let data_dir = ctx.data_dir.canonicalize().unwrap_or(ctx.data_dir.clone());
    let tag = hex::encode(Sha256::digest(data_dir.to_string_lossy().as_bytes()));
    format!("s3-secret-access-key:{org_slug}:{}", &tag[..16])
}

/// Why an endpoint is not a URL, in a person's words: the parser's own ("relative URL without a
/// base") means nothing to the clerk who typed the address.
fn why_not_a_url(error: url::ParseError) -> &'static str {
    match error {
        url::ParseError::RelativeUrlWithoutBase => "it does not start with https:// (or http://)",
        url::ParseError::EmptyHost => "it has no server name after the //",
        url::ParseError::InvalidPort => "its port, after the colon, is not a number up to 65535",
        url::ParseError::InvalidIpv4Address | url::ParseError::InvalidIpv6Address => {
            "its IP address is not one"
        }
        _ => "its server name has characters a name cannot have",
    }
}

/// Checks and tidies settings, naming every problem at once.
pub fn validate(settings: &SyncSettings) -> Result<SyncSettings> {
    let mut problems = Vec::new();
    let mut endpoint = settings.endpoint.trim().trim_end_matches('/').to_string();
    let mut host = String::new();
    if endpoint.is_empty() {
        problems.push("the endpoint URL is empty".to_string());
    } else {
        match url::Url::parse(&endpoint) {
            Err(e) => problems.push(format!(
                "the endpoint '{}' is not a URL: {}; write it like \
                 https://s3.eu-central-1.amazonaws.com",
                shorten(&endpoint),
                why_not_a_url(e)
            )),
            Ok(url) => {
                // Kept as the URL standard writes it (a lowercase scheme, an international
                // host in its ASCII form, tabs and backslashes gone), so that what is stored is
                // what every request is built from, and always a valid request address.
                endpoint = normalized_endpoint(&url);
                if !matches!(url.scheme(), "http" | "https") {
                    problems.push(format!(
                        "the endpoint must start with https:// (or http:// on a local network), not {}://",
                        url.scheme()
                    ));
                } else if url.scheme() == "http" && !is_local_network(&url) {
                    problems.push(
                        "the endpoint uses http://, which would send every file and request \
                         unencrypted across the internet; use https:// for a server outside your \
                         local network"
                            .to_string(),
                    );
                }
                match url.host_str() {
                    Some(found) if !found.is_empty() => host = found.to_ascii_lowercase(),
                    _ => problems.push("the endpoint has no host name".to_string()),
                }
                // Virtual-hosted addressing puts the bucket in front of the host name, and no
                // name can stand in front of an address: every request would fail to connect.
                if !settings.path_style
                    && matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
                {
                    problems.push(
                        "an endpoint given by IP address needs path-style addresses (the bucket \
                         cannot go in front of an address); turn path-style on"
                            .to_string(),
                    );
                }
                if url.path() != "/" && !url.path().is_empty() {
                    problems.push(format!(
                        "the endpoint must not have a path ('{}'); put the bucket in Bucket and \
                         folders in Prefix",
                        shorten(url.path())
                    ));
                }
                if url.query().is_some() || url.fragment().is_some() {
                    problems.push("the endpoint must not have a query or a fragment".to_string());
                }
                if !url.username().is_empty() || url.password().is_some() {
                    problems.push(
                        "the endpoint must not carry a user name or password; the access key \
                         goes in its own fields"
                            .to_string(),
                    );
                }
            }
        }
    }

    let region = settings.region.trim().to_ascii_lowercase();
    let region_ok = !region.is_empty()
        && region.len() <= 32
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if region.is_empty() {
        problems.push("the region is empty (use auto for R2, us-east-1 when unsure)".to_string());
    } else if !region_ok {
        problems.push(format!(
            "the region '{}' is not a region name (letters, digits and hyphens, like eu-central-1)",
            shorten(&region)
        ));
    } else if host.ends_with("amazonaws.com") && !is_aws_region(&region) {
        problems.push(format!(
            "'{region}' is not an AWS region; AWS regions look like us-east-1 or ap-south-1"
        ));
    }

    let bucket = settings.bucket.trim().to_string();
    if let Some(problem) = bucket_problem(&bucket) {
        problems.push(problem);
    }

    let prefix = settings.prefix.trim().trim_matches('/').to_string();
    if prefix.len() > 200 {
        problems.push("the prefix is longer than 200 characters".to_string());
    }
    if prefix.split('/').any(|part| part == ".." || part == ".") {
        problems.push("the prefix must not contain . or .. folders".to_string());
    }
    if prefix.chars().any(|c| c.is_control() || c == '\\') {
        problems.push("the prefix must not contain control characters or backslashes".to_string());
    } else if prefix.contains("//")
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.!*'()".contains(c))
    {
        // The characters S3 names as safe in a key: others are written percent-encoded by
        // some clients and literally by others, and a restore would then look for a key the
        // upload never wrote.
        problems.push(format!(
            "the prefix '{}' may use only letters, digits and / - _ . ! * ' ( ), one / at a time",
            shorten(&prefix)
        ));
    }

    let access_key_id = settings.access_key_id.trim().to_string();
    if access_key_id.is_empty() {
        problems.push("the access key id is empty".to_string());
    } else if access_key_id.len() > 128 || access_key_id.chars().any(|c| c.is_whitespace()) {
        problems.push("the access key id must be one word of at most 128 characters".to_string());
    }

    if !problems.is_empty() {
        return Err(Error::Validation(format!(
            "The sync settings were not saved: {}.",
            problems.join("; ")
        )));
    }
    Ok(SyncSettings {
        endpoint,
        region,
        bucket,
        prefix,
        path_style: settings.path_style,
        access_key_id,
    })
}

/// Whether the endpoint's host is on the local network, where plain http:// may serve (a
/// Garage or MinIO box in the office): a private, loopback or link-local address, a name with
/// no dot, or a name under a suffix kept for local networks.
fn is_local_network(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_private() || ip.is_loopback() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => {
            let first = ip.segments()[0];
            ip.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            !name.contains('.')
                || [
                    ".local",
                    ".lan",
                    ".internal",
                    ".home.arpa",
                    ".localhost",
                    ".intranet",
                    ".corp",
                    ".home",
                ]
                .iter()
                .any(|suffix| name.ends_with(suffix))
        }
        None => false,
    }
}

/// An endpoint as the URL standard writes it, without a trailing slash.
pub(crate) fn normalized_endpoint(url: &url::Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-4`.
fn is_aws_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    (3..=4).contains(&parts.len())
        && first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
}

/// The S3 bucket naming rules, in the words a person needs.
fn bucket_problem(bucket: &str) -> Option<String> {
    if bucket.is_empty() {
        return Some("the bucket name is empty".to_string());
    }
    let shown = shorten(bucket);
    if !(3..=63).contains(&bucket.len()) {
        return Some(format!(
            "the bucket name '{shown}' must be 3 to 63 characters long"
        ));
    }
    if !bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Some(format!(
            "the bucket name '{shown}' may use only lowercase letters, digits, hyphens and dots"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(bucket.chars().next()) || !edge_ok(bucket.chars().last()) {
        return Some(format!(
            "the bucket name '{shown}' must start and end with a letter or a digit"
        ));
    }
    if bucket.contains("..") || bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(format!(
            "the bucket name '{shown}' must not have two dots in a row or look like an IP address"
        ));
    }
    None
}

/// At most 60 characters of something a person typed, for a message.
fn shorten(text: &str) -> String {
    let mut shown: String = text.chars().filter(|c| !c.is_control()).take(60).collect();
    if text.chars().count() > 60 {
        shown.push('…');
    }
    shown
}

type Row = (
    String,
    String,
    String,
    String,
    bool,
    String,
    String,
    bool,
    String,
    Option<String>,
    i64,
);

/// The scope's org's target, for the syncer.
/// Why a command that needs the org's target cannot act: it has none.
fn no_target(scope: &OrgScope) -> Error {
    Error::Precondition(format!(
        "{} has no sync target yet. Configure one first.",
        scope.org_code()
    ))
}

/// The scope's org's target, or why there is none.
pub(crate) async fn configured_target(ctx: &Ctx, scope: &OrgScope) -> Result<SyncTarget> {
    target(ctx, scope).await?.ok_or_else(|| no_target(scope))
}

pub(crate) async fn target(ctx: &Ctx, scope: &OrgScope) -> Result<Option<SyncTarget>> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT endpoint, region, bucket, key_prefix, path_style, access_key_id, secret_account, \
         enabled, updated_at, checked_at, updated_by FROM sync_targets WHERE org_id = ?",
    )
    .bind(scope.org_id())
    .fetch_optional(&ctx.db)
    .await?;
    // The columns in the order selected, then placed by name into the settings and the target.
    // The two lists look alike; a derived row type would only move the same list elsewhere.
    Ok(row.map(
        |(
            endpoint,
            region,
            bucket,
            prefix,
            path_style,
            access_key_id,
            secret_account,
            enabled,
            updated_at,
            checked_at,
            updated_by,
        )| {
            SyncTarget {
                settings: SyncSettings {
                    endpoint,
                    region,
                    bucket,
                    prefix,
                    path_style,
                    access_key_id,
                },
                enabled,
                secret_account,
                updated_at,
                checked_at,
                updated_by,
            }
        },
    ))
}

/// The scope's org's target as people see it.
pub async fn show(ctx: &Ctx, scope: &OrgScope) -> Result<Option<SyncTargetView>> {
    let Some(target) = target(ctx, scope).await? else {
        return Ok(None);
    };
    let halted = if target.enabled {
        why_the_syncer_cannot_act(ctx, scope, target.updated_by).await?
    } else {
        None
    };
    Ok(Some(SyncTargetView {
        settings: target.settings,
        enabled: target.enabled,
        updated_at: target.updated_at,
        checked_at: target.checked_at,
        halted,
    }))
}

/// Where the target's secret access key is, as far as this computer can tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state", content = "reason")]
pub enum SecretWhereabouts {
    /// Filed in the system keyring, where the syncer will find it.
    InTheKeyring,
    /// Not there (removed by hand, a new login keyring, the data folder copied to another
    /// computer): nothing can be sent until it is entered again.
    Missing,
    /// The keyring could not be asked; the reason says why and what to do.
    KeyringUnreachable(String),
}

/// Where the scope's org's secret is, or `None` without a target. Looked up only when a person
/// asks to see the target (`sync show`), not with the status a window reads each time it moves,
/// since a locked keyring may ask to be unlocked.
pub async fn secret_whereabouts(ctx: &Ctx, scope: &OrgScope) -> Result<Option<SecretWhereabouts>> {
    let Some(target) = target(ctx, scope).await? else {
        return Ok(None);
    };
    Ok(Some(match ctx.keyring.get(&target.secret_account).await {
        Ok(Some(_)) => SecretWhereabouts::InTheKeyring,
        Ok(None) => SecretWhereabouts::Missing,
        Err(error) => SecretWhereabouts::KeyringUnreachable(error.to_string()),
    }))
}

/// Why the background syncer, acting as `configured_by`, would be refused `sync.configure` in
/// the scope's org, by the rule the gate applies to it ([`crate::sync::syncer`] asks the gate
/// itself). Read without an audit row: it is part of what a person viewing sync sees, and a
/// window reads the status each time it moves.
async fn why_the_syncer_cannot_act(
    ctx: &Ctx,
    scope: &OrgScope,
    configured_by: i64,
) -> Result<Option<String>> {
    let session = match session_for_job(ctx, configured_by, scope.org_id()).await {
        Ok(session) => session,
        Err(Error::NotFound(_)) => {
            return Ok(Some(format!(
                "Nothing is sent: the account that saved these settings no longer exists. {}",
                RESUME_HINT
            )))
        }
        Err(error) => return Err(error),
    };
    let may_configure = session
        .active_org()
        .is_some_and(|org| permits(org.role, Action::SyncConfigure));
    Ok((!may_configure).then(|| {
        format!(
            "Nothing is sent: {}, who saved these settings, may no longer change sync in {} \
             (no longer an owner or admin here, or the account was disabled). {}",
            session.user().username,
            scope.org_code(),
            RESUME_HINT
        )
    }))
}

/// How sync held up by its configurer's departure resumes.
const RESUME_HINT: &str = "An owner or admin who saves the settings again (the secret may stay \
     as it is) or turns sync on again resumes it as themselves.";

/// Notes that the scope's org's bucket was checked just now.
pub(crate) async fn mark_checked(ctx: &Ctx, scope: &WriteScope) -> Result<()> {
    let mut tx = ctx.write_tx().await?;
    sqlx::query("UPDATE sync_targets SET checked_at = ? WHERE org_id = ?")
        .bind(ctx.now_text())
        .bind(scope.org_id())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a keyring entry is this data folder's own, filed under its present path. An entry
/// filed under another path belongs to the folder this one was copied from (or moved from):
/// it is read, so a moved folder still finds its secret, but never deleted from here, since the
/// original may still use it.
fn filed_by_this_folder(ctx: &Ctx, scope: &WriteScope, account: &str) -> bool {
    account == secret_account(ctx, scope.org_slug())
}

/// Removes the scope's org's target and its secret from the keyring (when this data folder
/// filed it). Outputs already in the bucket stay there.
pub async fn forget(ctx: &Ctx, scope: &WriteScope) -> Result<()> {
    // Refused rather than done: "target removed, secret deleted" would be untrue.
    let existing = configured_target(ctx, scope).await?;
    if filed_by_this_folder(ctx, scope, &existing.secret_account) {
        // The target stays until its secret is gone, so no secret is left behind unnamed;
        // pausing is how to stop sending without the keyring.
        ctx.keyring
            .delete(&existing.secret_account)
            .await
            .map_err(|error| match error {
                Error::KeyringUnavailable(why) => Error::KeyringUnavailable(format!(
                    "{why} The target was kept, since its secret could not be removed. To stop \
                     sending outputs meanwhile, pause sync (`sitebook sync disable`, or Pause \
                     sync in Settings)."
                )),
                other => other,
            })?;
    }
    let mut tx = ctx.write_tx().await?;
    sqlx::query("DELETE FROM sync_targets WHERE org_id = ?")
        .bind(scope.org_id())
        .execute(&mut *tx)
        .await?;
    change_audited(scope)
        .reason("target removed, secret deleted from the keyring")
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves the scope's org's target and turns sync on. `secret` replaces the stored one; it may
/// be left out only when a target is already configured.
pub async fn save(
    ctx: &Ctx,
    scope: &WriteScope,
    settings: &SyncSettings,
    secret: Option<&Secret>,
) -> Result<SyncTargetView> {
    let settings = validate(settings)?;
    let existing = target(ctx, scope).await?;
    // Without a new secret, the one already filed stays where it is.
    let account = match (&existing, secret) {
        (Some(existing), None) => existing.secret_account.clone(),
        _ => secret_account(ctx, scope.org_slug()),
    };
    match secret {
        Some(secret) if secret.is_empty() => {
            return Err(Error::Validation(
                "The sync settings were not saved: the secret access key is empty.".into(),
            ))
        }
        Some(secret) => ctx.keyring.set(&account, secret).await?,
        None if existing.is_none() => {
            return Err(Error::Validation(
                "The sync settings were not saved: give the secret access key as well (it is \
                 kept in the system keyring, never in Sitebook's files)."
                    .into(),
            ))
        }
        None => {}
    }
    let now = ctx.now_text();
    let mut tx = ctx.write_tx().await?;
    sqlx::query(
        "INSERT INTO sync_targets (org_id, endpoint, region, bucket, key_prefix, path_style, \
         access_key_id, secret_account, enabled, updated_at, updated_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) \
         ON CONFLICT (org_id) DO UPDATE SET endpoint = excluded.endpoint, region = excluded.region, \
         bucket = excluded.bucket, key_prefix = excluded.key_prefix, \
         path_style = excluded.path_style, access_key_id = excluded.access_key_id, \
         secret_account = excluded.secret_account, enabled = 1, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by, checked_at = NULL",
    )
    .bind(scope.org_id())
    .bind(&settings.endpoint)
    .bind(&settings.region)
    .bind(&settings.bucket)
    .bind(&settings.prefix)
    .bind(settings.path_style)
    .bind(&settings.access_key_id)
    .bind(&account)
    .bind(&now)
    .bind(scope.user_id())
    .execute(&mut *tx)
    .await?;
    // Another host, bucket or prefix holds none of what the old one did. Another scheme or
    // port on the same host (https in place of http, a proxy in front) is the same store.
    let host = |endpoint: &str| {
        url::Url::parse(endpoint)
            .ok()
            .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
    };
    // A target set afresh (after the last was forgotten) may be another bucket too: what was
    // sent before went to a target no longer known, so it is sent again.
    let moved = existing.as_ref().is_none_or(|old| {
        (
            host(&old.settings.endpoint),
            &old.settings.bucket,
            &old.settings.prefix,
        ) != (host(&settings.endpoint), &settings.bucket, &settings.prefix)
    });
    change_audited(scope)
        .reason(format!(
            "{} target {} bucket {} prefix '{}' access key {}{}{}",
            if existing.is_some() { "changed" } else { "set" },
            settings.endpoint,
            settings.bucket,
            settings.prefix,
            settings.access_key_id,
            if secret.is_some() {
                ", secret stored in the keyring"
            } else {
                ""
            },
            if moved && existing.is_some() {
                ", every output to be sent again"
            } else {
                ""
            }
        ))
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    if moved {
        let queued = crate::store::outbox::resend_all(ctx, scope).await?;
        tracing::info!(
            org = scope.org_code(),
            queued,
            "sync target moved: outputs queued again"
        );
    }
    // A new secret is filed under this folder's own name. An older entry under another name
    // is the folder's this one was copied from, which may still use it: it is left alone.
    // New settings deserve a new try of what the old ones could not send, at once.
    crate::store::outbox::retry_failed(ctx, scope).await?;
    crate::store::outbox::due_now(ctx, scope).await?;
    show(ctx, scope)
        .await?
        .ok_or_else(|| Error::Internal("the sync target vanished".into()))
}

/// Turns sync on or off for the scope's org, keeping the settings.
pub async fn set_enabled(ctx: &Ctx, scope: &WriteScope, enabled: bool) -> Result<SyncTargetView> {
    let mut tx = ctx.write_tx().await?;
    // Whoever turns sync on is the one the syncer acts as from now on, as when saving: it is
    // how an admin resumes sync that its former configurer's departure held up.
    let changed = sqlx::query(
        "UPDATE sync_targets SET enabled = ?, updated_at = ?, \
         updated_by = CASE WHEN ? THEN ? ELSE updated_by END WHERE org_id = ?",
    )
    .bind(enabled)
    .bind(ctx.now_text())
    .bind(enabled)
    .bind(scope.user_id())
    .bind(scope.org_id())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(no_target(scope));
    }
    change_audited(scope)
        .reason(if enabled { "enabled" } else { "disabled" })
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    show(ctx, scope)
        .await?
        .ok_or_else(|| Error::Internal("the sync target vanished".into()))
}

/// The audit row of a change to the scope's org's target, made by the scope's person.
fn change_audited(scope: &WriteScope) -> AuditEvent {
    AuditEvent::new("sync.configure", Outcome::Success)
        .by_name(Some(scope.user_id()), scope.username())
        .in_scope(scope)
}

/// The newest audit anchor already copied to the scope's org's bucket (0 when none).
pub(crate) async fn audit_anchor_sent(ctx: &Ctx, scope: &OrgScope) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT audit_anchor_id FROM sync_targets WHERE org_id = ?")
            .bind(scope.org_id())
            .fetch_optional(&ctx.db)
            .await?
            .unwrap_or(0),
    )
}

/// Records that the bucket now holds the anchor of audit row `anchor_id`.
pub(crate) async fn mark_audit_anchor_sent(
    ctx: &Ctx,
    scope: &WriteScope,
    anchor_id: i64,
) -> Result<()> {
    sqlx::query("UPDATE sync_targets SET audit_anchor_id = ? WHERE org_id = ?")
        .bind(anchor_id)
        .bind(scope.org_id())
        .execute(&ctx.db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SyncSettings {
        SyncSettings {
            endpoint: "https://s3.eu-central-1.amazonaws.com/".into(),
            region: "eu-central-1".into(),
            bucket: "district-7-bills".into(),
            prefix: "/sitebook/".into(),
            path_style: false,
            access_key_id: "AKIAEXAMPLE".into(),
        }
    }

    #[test]
    fn good_settings_are_tidied() {
        let tidy = validate(&settings()).unwrap();
        assert_eq!(tidy.endpoint, "https://s3.eu-central-1.amazonaws.com");
        assert_eq!(tidy.prefix, "sitebook");
        for (endpoint, region) in [
            ("https://abc123.r2.cloudflarestorage.com", "auto"),
            ("http://garage.office.lan:3900", "garage"),
            ("https://s3.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ] {
            let mut other = settings();
            other.endpoint = endpoint.into();
            other.region = region.into();
            assert!(validate(&other).is_ok(), "{endpoint} {region}");
        }
    }

    #[test]
    fn an_endpoint_is_stored_as_the_url_standard_writes_it() {
        // Each was stored as typed, and then panicked the request builder at the first sync.
        for (typed, stored) in [
            ("http://\u{fc}.lan:39001", "http://xn--tda.lan:39001"),
            ("HTTP://127.0.0.1:9000/", "http://127.0.0.1:9000"),
            ("http:\\\\127.0.0.1:39001", "http://127.0.0.1:39001"),
            ("http://127.0.0.1:39\t001", "http://127.0.0.1:39001"),
        ] {
            let mut other = settings();
            other.endpoint = typed.into();
            other.region = "garage".into();
            other.path_style = true;
            assert_eq!(validate(&other).unwrap().endpoint, stored, "{typed:?}");
        }
    }

    #[test]
    fn plain_http_is_for_the_local_network_only() {
        for local in [
            "http://127.0.0.1:9000",
            "http://192.168.1.20:3900",
            "http://10.0.0.5",
            "http://[::1]:9000",
            "http://[fd00::5]:3900",
            "http://garage:3900",
            "http://garage.office.lan:3900",
            "http://nas.local",
            "https://minio.example.org",
        ] {
            let mut other = settings();
            other.endpoint = local.into();
            other.region = "garage".into();
            other.path_style = true;
            assert!(validate(&other).is_ok(), "{local}");
        }
        for public in [
            "http://s3.ap-south-1.amazonaws.com",
            "http://8.8.8.8:9000",
            "http://example.org",
        ] {
            let mut other = settings();
            other.endpoint = public.into();
            other.region = "garage".into();
            other.path_style = true;
            let refused = validate(&other).unwrap_err().to_string();
            assert!(refused.contains("unencrypted"), "{public}: {refused}");
        }
    }

    #[test]
    fn a_prefix_keeps_to_the_characters_every_client_writes_alike() {
        for good in ["sitebook", "pwd/outputs-2024", "a_b.c/(d)!*'"] {
            let mut other = settings();
            other.prefix = good.into();
            assert!(validate(&other).is_ok(), "{good}");
        }
        for bad in ["\u{fc}n\u{ef}", "a//b", "a?b", "a#b", "a b", "50%"] {
            let mut other = settings();
            other.prefix = bad.into();
            let refused = validate(&other).unwrap_err().to_string();
            assert!(refused.contains("the prefix"), "{bad}: {refused}");
        }
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let bad = SyncSettings {
            endpoint: "ftp://files.example.org/bucket".into(),
            region: "".into(),
            bucket: "".into(),
            prefix: "a/../b".into(),
            path_style: true,
            access_key_id: "".into(),
        };
        let Err(Error::Validation(message)) = validate(&bad) else {
            panic!("refused");
        };
        for expected in [
            "must start with https://",
            "must not have a path",
            "the region is empty",
            "the bucket name is empty",
            "must not contain . or ..",
            "the access key id is empty",
        ] {
            assert!(message.contains(expected), "{expected}: {message}");
        }
    }

    #[test]
    fn malformed_endpoints_unknown_regions_and_bad_buckets_are_explained() {
        let refusal = |edit: &dyn Fn(&mut SyncSettings)| {
            let mut s = settings();
            edit(&mut s);
            match validate(&s) {
                Err(Error::Validation(message)) => message,
                other => panic!("expected a refusal, got {other:?}"),
            }
        };
        assert!(refusal(&|s| s.endpoint = "s3 dot amazon".into()).contains("is not a URL"));
        // Said in words, where the URL parser's own ("relative URL without a base") was shown.
        let bare = refusal(&|s| s.endpoint = "s3.amazonaws.com".into());
        assert!(
            bare.contains(
                "the endpoint 's3.amazonaws.com' is not a URL: it does not start with https:// \
                 (or http://); write it like"
            ) && !bare.contains("relative URL"),
            "{bare}"
        );
        let port = refusal(&|s| s.endpoint = "http://nas.lan:99999".into());
        assert!(
            port.contains("its port, after the colon, is not a number up to 65535"),
            "{port}"
        );
        assert!(refusal(&|s| s.region = "europe-middle".into()).contains("is not an AWS region"));
        assert!(refusal(&|s| s.region = "EU Central".into()).contains("is not a region name"));
        assert!(refusal(&|s| s.bucket = "My_Bucket".into()).contains("lowercase letters"));
        assert!(refusal(&|s| s.bucket = "ab".into()).contains("3 to 63"));
        assert!(refusal(&|s| s.bucket = "192.168.1.10".into()).contains("IP address"));
        for address in ["https://192.168.1.10:3900", "https://[fd00::5]:3900"] {
            assert!(
                refusal(&|s| {
                    s.endpoint = address.into();
                    s.region = "garage".into();
                })
                .contains("needs path-style addresses"),
                "{address}"
            );
            let mut by_path = settings();
            (by_path.endpoint, by_path.region, by_path.path_style) =
                (address.into(), "garage".into(), true);
            assert!(validate(&by_path).is_ok(), "{address} by path");
        }
        assert!(
            refusal(&|s| s.endpoint = "https://user:pw@s3.example.org".into())
                .contains("user name or password")
        );
    }
}
