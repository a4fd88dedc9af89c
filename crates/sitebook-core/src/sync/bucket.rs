//! One organization's bucket, as the syncer and "Test connection" use it: create-only puts
//! with the content's sha256 as metadata, reading that metadata back, and every failure turned
//! into one plain sentence that says whether a retry can help.
//!
//! Built on `object_store` (AWS SigV4, path-style or virtual-hosted, conditional puts). Its
//! HTTP status is not public, so the S3 error code is read from the error text, which carries
//! the response body (`<Code>SignatureDoesNotMatch</Code>`).

use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::client::{HttpError, HttpErrorKind};
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, AttributeValue, Attributes, ClientOptions, GetOptions, ObjectStore, ObjectStoreExt,
    PutMode, PutMultipartOptions, PutOptions, PutPayload, RetryConfig, WriteMultipart,
};

use crate::context::BucketTimeouts;
use crate::secrets::Secret;
use crate::sync::config::SyncSettings;

/// The metadata key that carries an object's sha256 (sent as `x-amz-meta-sha256`).
const SHA256_METADATA: &str = "sha256";

/// Why a bucket call failed, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BucketError {
    /// The network or the server, for now: offline, timeouts, 5xx, 429.
    Transient(String),
    /// The settings or the bucket: wrong secret, no permission, no such bucket, clock skew.
    Permanent(String),
}

impl BucketError {
    pub fn message(&self) -> &str {
        match self {
            BucketError::Transient(m) | BucketError::Permanent(m) => m,
        }
    }
}

/// One org's objects as the bucket lists them.
#[derive(Debug, Default)]
pub(crate) struct OrgListing {
    /// Key and size in bytes, sorted by key.
    pub objects: Vec<(String, u64)>,
    /// Objects whose names cannot be read, as they may be shown in one line (see
    /// [`shown_name`]), in the bucket's order.
    pub unreadable: Vec<String>,
}

/// Where the next page of a listing starts.
enum Resume {
    AtTheStart,
    /// After the previous page (the token it ended with).
    AfterPage(String),
    /// After a name that was set aside.
    AfterName(String),
}

/// The raw key a listing refused, as the refusal carries it.
fn unreadable_name(error: &object_store::path::Error) -> Option<String> {
    match error {
        object_store::path::Error::BadSegment { path, .. }
        | object_store::path::Error::EmptySegment { path } => Some(path.clone()),
        _ => None,
    }
}

/// A key as it may be shown in one line of at most 300 characters: a control character
/// becomes '␤'.
pub(crate) fn shown_name(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_control() { '\u{2424}' } else { c })
        .take(300)
        .collect()
}

/// The object named `key`, exactly as the bucket names it. `ObjectPath::from` percent-encodes
/// characters such as '%', '#' or '[' in each part, which names another object than the one a
/// listing gave (a restore then found "no object" under a name another tool had put there);
/// only a key that is no path at all (an empty part, a control character) is encoded.
fn object_path(key: &str) -> ObjectPath {
    ObjectPath::parse(key).unwrap_or_else(|_| ObjectPath::from(key))
}

/// Whether `key`, listed under `folder` (which ends in '/'), is in it or one folder down.
fn within_kind_folders(folder: &str, key: &str) -> bool {
    let inner = key
        .strip_prefix(folder.trim_start_matches('/'))
        .unwrap_or(key);
    inner.matches('/').count() <= 1
}

/// An object as the bucket has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub size: u64,
    pub sha256: Option<String>,
}

pub(crate) struct Bucket {
    store: AmazonS3,
    host: String,
    /// The host name looked up for a virtual-hosted bucket (`bucket.host`), which is not the
    /// endpoint's own; `None` with path-style addresses.
    bucket_host: Option<String>,
    bucket: String,
    prefix: String,
}

impl Bucket {
    pub fn open(
        settings: &SyncSettings,
        secret: &Secret,
        timeouts: &BucketTimeouts,
    ) -> Result<Self, BucketError> {
        // A target saved before endpoints were stored normalised may hold one the request
        // builder cannot take (it panics on an invalid address): read it as the URL standard
        // does, or refuse it in words.
        let Ok(parsed) = url::Url::parse(&settings.endpoint) else {
            return Err(BucketError::Permanent(format!(
                "The sync endpoint '{}' is not a URL; set the target again in Settings.",
                first_line(&settings.endpoint)
            )));
        };
        let host = parsed.host_str().unwrap_or_default().to_string();
        let bucket_host = (!settings.path_style).then(|| format!("{}.{}", settings.bucket, host));
        let endpoint = match &bucket_host {
            None => crate::sync::config::normalized_endpoint(&parsed),
            Some(bucket_host) => {
                // Virtual-hosted: object_store takes the endpoint as given, bucket included.
                let mut url = parsed.clone();
                let _ = url.set_host(Some(bucket_host));
                crate::sync::config::normalized_endpoint(&url)
            }
        };
        let store = AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_region(&settings.region)
            .with_bucket_name(&settings.bucket)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(secret.expose())
            .with_virtual_hosted_style_request(!settings.path_style)
            .with_retry(RetryConfig {
                max_retries: timeouts.retries,
                retry_timeout: timeouts.request * 2,
                backoff: Default::default(),
            })
            .with_client_options({
                let options = ClientOptions::new()
                    .with_allow_http(true)
                    .with_connect_timeout(timeouts.connect)
                    .with_timeout(timeouts.request);
                if timeouts.keep_connections {
                    options
                } else {
                    options.with_pool_max_idle_per_host(0)
                }
            })
            .build()
            .map_err(|e| {
                BucketError::Permanent(format!(
                    "The sync settings cannot be used: {}",
                    first_line(&e.to_string())
                ))
            })?;
        Ok(Self {
            store,
            host,
            bucket_host,
            bucket: settings.bucket.clone(),
            prefix: settings.prefix.clone(),
        })
    }

    /// `{prefix}/{org_folder}/{kind}/{file name}`, the org folder being its lowercase code.
    pub fn key(&self, org_folder: &str, kind: &str, filename: &str) -> String {
        let tail = format!("{org_folder}/{kind}/{filename}");
        if self.prefix.is_empty() {
            tail
        } else {
            format!("{}/{tail}", self.prefix)
        }
    }

    /// The folder of one org's objects, `{prefix}/{org_folder}/`.
    pub fn org_folder_key(&self, org_folder: &str) -> String {
        self.key(org_folder, "", "")
            .trim_end_matches('/')
            .to_string()
            + "/"
    }

    /// Puts `bytes` under `key` unless something is already there (`If-None-Match: *`). Either
    /// way the call succeeds; what the key then holds is for [`Bucket::stored`] to say.
    pub async fn put_new(
        &self,
        key: &str,
        bytes: Vec<u8>,
        sha256: &str,
    ) -> Result<(), BucketError> {
        let mut attributes = Attributes::new();
        attributes.insert(
            Attribute::Metadata(SHA256_METADATA.into()),
            AttributeValue::from(sha256.to_string()),
        );
        let options = PutOptions {
            mode: PutMode::Create,
            attributes,
            ..Default::default()
        };
        match self
            .store
            .put_opts(&object_path(key), PutPayload::from(bytes), options)
            .await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(error) => match self.explain(error, key) {
                // A broken connection does not say whether the put happened: the object may be
                // stored with the answer lost, or a server may refuse a taken key (412) before
                // reading the body and close the connection under it. What the key holds now
                // tells, and an empty key leaves it a failure to retry.
                BucketError::Transient(reason) => match self.stored(key).await {
                    Ok(Some(_)) => Ok(()),
                    _ => Err(BucketError::Transient(reason)),
                },
                permanent => Err(permanent),
            },
        }
    }

    /// Puts the file at `path` under `key` in parts of `part_size`, unless something is already
    /// there. The parts stay invisible until the upload completes, so a crash or a dropped
    /// connection mid-way leaves nothing under `key` (a failed upload is aborted here; one cut
    /// short by a crash is left for the bucket's lifecycle rule, see docs/sync.md).
    ///
    /// S3 completes a multipart upload without a create-only condition that object_store can
    /// send, so this checks with HEAD first. The race left: two devices completing the same key
    /// within that moment, when the later one replaces the earlier. Keys carry the org and the
    /// job's file name, so only two devices of one org writing the same large file name at the
    /// same second can meet it.
    pub async fn put_new_in_parts(
        &self,
        key: &str,
        path: &std::path::Path,
        sha256: &str,
        part_size: usize,
    ) -> Result<(), BucketError> {
        use tokio::io::AsyncReadExt;
        if self.stored(key).await?.is_some() {
            return Ok(());
        }
        let mut file = tokio::fs::File::open(path).await.map_err(|e| {
            BucketError::Permanent(format!("{} could not be read: {e}", path.display()))
        })?;
        let mut attributes = Attributes::new();
        attributes.insert(
            Attribute::Metadata(SHA256_METADATA.into()),
            AttributeValue::from(sha256.to_string()),
        );
        let options = PutMultipartOptions {
            attributes,
            ..Default::default()
        };
        let upload = self
            .store
            .put_multipart_opts(&object_path(key), options)
            .await
            .map_err(|e| self.explain(e, key))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, part_size);
        let mut part = vec![0u8; part_size];
        let sent: Result<(), BucketError> = async {
            loop {
                let mut filled = 0;
                while filled < part.len() {
                    let read = file.read(&mut part[filled..]).await.map_err(|e| {
                        BucketError::Permanent(format!("{} could not be read: {e}", path.display()))
                    })?;
                    if read == 0 {
                        break;
                    }
                    filled += read;
                }
                if filled == 0 {
                    return Ok(());
                }
                // Two parts in flight at most: memory stays at a few parts whatever the size.
                writer
                    .wait_for_capacity(2)
                    .await
                    .map_err(|e| self.explain(e, key))?;
                writer.write(&part[..filled]);
                if filled < part.len() {
                    return Ok(());
                }
            }
        }
        .await;
        match sent {
            Ok(()) => writer
                .finish()
                .await
                .map(|_| ())
                .map_err(|e| self.explain(e, key)),
            Err(error) => {
                let _ = writer.abort().await;
                Err(error)
            }
        }
    }

    /// The object's size and sha256 metadata, or `None` when there is no object.
    pub async fn stored(&self, key: &str) -> Result<Option<Stored>, BucketError> {
        match self
            .store
            .get_opts(&object_path(key), GetOptions::new().with_head(true))
            .await
        {
            Ok(result) => Ok(Some(Stored {
                size: result.meta.size,
                sha256: result
                    .attributes
                    .get(&Attribute::Metadata(SHA256_METADATA.into()))
                    .map(|value| value.to_string()),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.explain(error, key)),
        }
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, BucketError> {
        Ok(self.get_with_sha256(key).await?.0)
    }

    /// The object's bytes and the sha256 it was stored with (its metadata), if any.
    pub async fn get_with_sha256(
        &self,
        key: &str,
    ) -> Result<(Vec<u8>, Option<String>), BucketError> {
        let result = self
            .store
            .get(&object_path(key))
            .await
            .map_err(|e| self.explain(e, key))?;
        let sha256 = result
            .attributes
            .get(&Attribute::Metadata(SHA256_METADATA.into()))
            .map(|value| value.to_string());
        let bytes = result.bytes().await.map_err(|e| self.explain(e, key))?;
        Ok((bytes.to_vec(), sha256))
    }

    /// The lowercase hex sha256 of the object's bytes, hashed as they stream in, or `None` when
    /// there is no object (any more).
    pub async fn sha256_of(&self, key: &str) -> Result<Option<String>, BucketError> {
        use futures_util::StreamExt;
        use sha2::Digest;
        let mut chunks = match self.store.get(&object_path(key)).await {
            Ok(result) => result.into_stream(),
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(self.explain(error, key)),
        };
        let mut hasher = sha2::Sha256::new();
        while let Some(chunk) = chunks.next().await {
            hasher.update(chunk.map_err(|e| self.explain(e, key))?);
        }
        Ok(Some(hex::encode(hasher.finalize())))
    }

    /// Every object of one org, sorted by key: those in its folder and in its kind folders
    /// (`{prefix}/{org_folder}/{kind}/{file name}`), not deeper.
    ///
    /// Another tool may have stored an object under a name `object_store` refuses to read (a
    /// line break or another control character, a "." or ".." segment, an empty one). Such a
    /// name makes the bucket's whole page of up to 1,000 names unreadable, so the page is asked
    /// for again in halves until the one name is alone; it is set aside in
    /// [`OrgListing::unreadable`] and the listing goes on after it. Nothing Sitebook stores has
    /// such a name, so every output is still listed.
    ///
    /// `listed` is told how many names are listed so far after each page.
    pub async fn org_objects(
        &self,
        org_folder: &str,
        mut listed: impl FnMut(u64),
    ) -> Result<OrgListing, BucketError> {
        let folder = self.org_folder_key(org_folder);
        let mut listing = OrgListing::default();
        let mut resume = Resume::AtTheStart;
        let mut page_size: Option<usize> = None;
        loop {
            let (page_token, offset) = match &resume {
                Resume::AtTheStart => (None, None),
                Resume::AfterPage(token) => (Some(token.clone()), None),
                Resume::AfterName(name) => (None, Some(name.clone())),
            };
            let options = PaginatedListOptions {
                offset,
                page_token,
                max_keys: page_size,
                ..Default::default()
            };
            match self.store.list_paginated(Some(&folder), options).await {
                Ok(page) => {
                    listing.objects.extend(
                        page.result
                            .objects
                            .into_iter()
                            .map(|o| (o.location.to_string(), o.size))
                            .filter(|(key, _)| within_kind_folders(&folder, key)),
                    );
                    listed((listing.objects.len() + listing.unreadable.len()) as u64);
                    let Some(token) = page.page_token else { break };
                    resume = Resume::AfterPage(token);
                    page_size = None;
                }
                Err(object_store::Error::InvalidPath { source }) => {
                    let name = unreadable_name(&source);
                    match (page_size, name) {
                        // One name asked for, and it is this one: set it aside, go on after it.
                        // (The same name again would mean asking for the same page forever.)
                        (Some(1), Some(name)) if !matches!(&resume, Resume::AfterName(after) if *after == name) =>
                        {
                            listing.unreadable.push(shown_name(&name));
                            resume = Resume::AfterName(name);
                            page_size = None;
                        }
                        (Some(1), _) | (_, None) => {
                            return Err(
                                self.explain(object_store::Error::InvalidPath { source }, &folder)
                            )
                        }
                        (_, Some(_)) => page_size = Some((page_size.unwrap_or(1000) / 2).max(1)),
                    }
                }
                Err(error) => return Err(self.explain(error, &folder)),
            }
        }
        listing.objects.sort();
        Ok(listing)
    }

    /// A link that downloads `key` without credentials until it expires.
    pub async fn share_link(&self, key: &str, expires_in: Duration) -> Result<String, BucketError> {
        use object_store::signer::{Method, Signer};
        self.store
            .signed_url(Method::GET, &object_path(key), expires_in)
            .await
            .map(|url| url.to_string())
            .map_err(|e| self.explain(e, key))
    }

    pub async fn delete(&self, key: &str) -> Result<(), BucketError> {
        self.store
            .delete(&object_path(key))
            .await
            .map_err(|e| self.explain(e, key))
    }

    /// One sentence for a failed call, and whether to retry.
    fn explain(&self, error: object_store::Error, key: &str) -> BucketError {
        let text = error.to_string();
        let host = &self.host;
        let bucket = &self.bucket;
        let code = |name: &str| text.contains(&format!("<Code>{name}</Code>"));
        if code("RequestTimeTooSkewed") {
            return BucketError::Permanent(format!(
                "This computer's clock differs too much from the server's ({host}); set the \
                 date and time right (automatic time) and try again."
            ));
        }
        if code("SignatureDoesNotMatch") || code("InvalidAccessKeyId") {
            return BucketError::Permanent(format!(
                "{host} refused the access key id or the secret (the signature did not match); \
                 check both in the sync settings."
            ));
        }
        if code("NoSuchBucket") {
            return BucketError::Permanent(format!(
                "The bucket '{bucket}' does not exist at {host}; check its name and the region."
            ));
        }
        match &error {
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => {
                return BucketError::Permanent(format!(
                    "{host} refused access to bucket '{bucket}' (no permission for {key}); give \
                     the access key the rights to put, get, delete and list objects in it, or \
                     check the key and the secret."
                ))
            }
            // A name no path may hold (a line break or another control character, put there
            // by another tool) that the listing could not set aside and go on past.
            object_store::Error::InvalidPath { source } => {
                let said = shown_name(&source.to_string());
                return BucketError::Permanent(format!(
                    "Bucket '{bucket}' at {host} holds an object under {key} whose name Sitebook \
                     cannot read ({said}): a name with a line break or another control character, \
                     put there by another tool. Rename or remove it in the bucket's console, then \
                     try again."
                ));
            }
            object_store::Error::NotFound { .. } => {
                return BucketError::Permanent(format!(
                    "{host} has no bucket '{bucket}' or no object {key}; check the bucket name \
                     and the region."
                ))
            }
            _ => {}
        }
        if let Some(kind) = http_error_kind(&error) {
            // A transport failure: nothing was answered, so the network or the server is at
            // fault for now, except a TLS failure, which the settings must fix. What failed is
            // told only deep in the error's sources (the resolver's or rustls's own words).
            let lower = causes_text(&error).to_ascii_lowercase();
            return if is_tls_failure(&lower) {
                BucketError::Permanent(format!(
                    "The secure (TLS) connection to {host} failed: the certificate is not \
                     trusted or the endpoint is not https; check the endpoint's scheme and port."
                ))
            } else if lower.contains("dns error") {
                BucketError::Transient(match &self.bucket_host {
                    // The name looked up is the bucket's under the endpoint's host, which only
                    // AWS-like services answer; the endpoint's own name may well be fine.
                    Some(bucket_host) => format!(
                        "The host {bucket_host} (the bucket's name before the endpoint's host) \
                         was not found. A NAS, Garage or MinIO server needs path-style \
                         addresses: turn them on in the sync settings (--path-style); else \
                         check the endpoint, or the network."
                    ),
                    None => format!(
                        "The host {host} was not found; check the endpoint, or the network."
                    ),
                })
            } else if kind == HttpErrorKind::Timeout {
                BucketError::Transient(format!(
                    "{host} did not answer in time; it will be tried again."
                ))
            } else if kind == HttpErrorKind::Connect {
                BucketError::Transient(format!(
                    "Could not connect to {host}; the server may be down or the network offline."
                ))
            } else {
                BucketError::Transient(format!(
                    "The connection to {host} broke off; it will be tried again."
                ))
            };
        }
        if is_server_trouble(&text) {
            return BucketError::Transient(format!(
                "{host} had a problem or asked to slow down ({}); it will be tried again.",
                status_in(&text).unwrap_or("5xx")
            ));
        }
        BucketError::Permanent(format!("{host} refused {key}: {}", first_line(&text)))
    }
}

/// The error and every error under it, joined: "error sending request: client error
/// (Connect): dns error: failed to lookup address information".
fn causes_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(layer) = current {
        let part = layer.to_string();
        // Layers often repeat the one under them; once is enough.
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        current = layer.source();
    }
    text
}

/// Whether a transport failure was the TLS handshake: an untrusted or wrong certificate, or an
/// `https` endpoint whose server speaks plain HTTP (rustls then reads a "corrupt message").
fn is_tls_failure(lower_causes: &str) -> bool {
    [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "invalidcontenttype",
    ]
    .iter()
    .any(|sign| lower_causes.contains(sign))
}

fn http_error_kind(error: &object_store::Error) -> Option<HttpErrorKind> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(layer) = current {
        if let Some(http) = layer.downcast_ref::<HttpError>() {
            return Some(http.kind());
        }
        current = layer.source();
    }
    None
}

/// 5xx, 429 and 408 answers, except what a server will never do however often it is asked:
/// 501 (the request is not implemented there) and 505 (nor is the HTTP version).
fn is_server_trouble(text: &str) -> bool {
    status_in(text).is_some_and(|status| {
        (status.starts_with('5') && status != "501" && status != "505")
            || status == "429"
            || status == "408"
    })
}

/// The status code in object_store's "non-2xx status code: 503 Service Unavailable" text.
fn status_in(text: &str) -> Option<&str> {
    let at = text.find("status code: ")? + "status code: ".len();
    text.get(at..at + 3)
        .filter(|code| code.chars().all(|c| c.is_ascii_digit()))
}

/// The first line of an error text, at most 300 characters.
fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn target(endpoint: &str) -> SyncSettings {
        SyncSettings {
            endpoint: endpoint.to_string(),
            region: "us-east-1".to_string(),
            bucket: "outputs".to_string(),
            prefix: String::new(),
            path_style: true,
            access_key_id: "AKIDEXAMPLE".to_string(),
        }
    }

    fn quick() -> BucketTimeouts {
        BucketTimeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(5),
            retries: 0,
            keep_connections: false,
        }
    }

    async fn failure_at(endpoint: &str) -> BucketError {
        let secret = Secret::new("not-a-real-secret");
        let bucket = Bucket::open(&target(endpoint), &secret, &quick()).expect("the bucket opens");
        bucket
            .stored("sitebook/x/bills/a.pdf")
            .await
            .expect_err("nothing answers as S3 there")
    }

    #[tokio::test]
    async fn a_host_no_resolver_knows_is_named_and_not_called_offline() {
        // `.invalid` never resolves (RFC 2606), with or without a network.
        let error = failure_at("http://no-such-host.invalid:3900").await;
        assert_eq!(
            error,
            BucketError::Transient(
                "The host no-such-host.invalid was not found; check the endpoint, or the network."
                    .to_string()
            )
        );
        // Virtual-hosted, the name looked up is the bucket's under the host: said as such,
        // with the setting a NAS needs (it had named the endpoint's host, which resolves).
        let mut virtual_hosted = target("http://nas.invalid:3900");
        virtual_hosted.path_style = false;
        let secret = Secret::new("not-a-real-secret");
        let bucket = Bucket::open(&virtual_hosted, &secret, &quick()).expect("the bucket opens");
        let BucketError::Transient(said) = bucket.stored("sitebook/x/pdf/a.pdf").await.unwrap_err()
        else {
            panic!("not transient");
        };
        assert!(
            said.starts_with("The host outputs.nas.invalid (the bucket's name before")
                && said.contains("--path-style"),
            "{said}"
        );
    }

    #[tokio::test]
    async fn an_https_endpoint_whose_server_speaks_plain_http_is_a_tls_failure_to_fix() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let server = std::thread::spawn(move || {
            // Answers whatever arrives (a TLS hello) in plain HTTP, as a server on a
            // non-TLS port does.
            if let Ok((mut stream, _)) = listener.accept() {
                let mut hello = [0u8; 512];
                let _ = stream.read(&mut hello);
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
            }
        });
        let error = failure_at(&format!("https://127.0.0.1:{port}")).await;
        server.join().expect("the plain server ends");
        assert!(
            matches!(&error, BucketError::Permanent(m) if m.starts_with("The secure (TLS) connection to 127.0.0.1 failed")),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connection_to_try_again() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
            listener.local_addr().expect("its address").port()
        };
        let error = failure_at(&format!("http://127.0.0.1:{port}")).await;
        assert!(
            matches!(&error, BucketError::Transient(m) if m.starts_with("Could not connect to 127.0.0.1")),
            "{error:?}"
        );
    }

    #[test]
    fn only_answers_a_retry_can_change_are_server_trouble() {
        let answer = |status: &str| format!("Error performing PUT: non-2xx status code: {status}");
        for transient in [
            "500 Internal",
            "502 Bad",
            "503 Slow",
            "504 Gate",
            "429 Too",
            "408 Req",
        ] {
            assert!(is_server_trouble(&answer(transient)), "{transient}");
        }
        for permanent in [
            "501 Not Implemented",
            "505 HTTP Version",
            "400 Bad",
            "403 Forbidden",
        ] {
            assert!(!is_server_trouble(&answer(permanent)), "{permanent}");
        }
    }

    #[test]
    fn the_org_listing_keeps_its_folder_and_the_kind_folders_only() {
        let folder = "sitebook/aaa/";
        assert!(within_kind_folders(folder, "sitebook/aaa/pdf/bill.pdf"));
        assert!(within_kind_folders(folder, "sitebook/aaa/notes.txt"));
        assert!(!within_kind_folders(
            folder,
            "sitebook/aaa/pdf/old/bill.pdf"
        ));
        // Keys come back without the leading '/' a prefix may have been typed with.
        assert!(within_kind_folders("/aaa/", "aaa/pdf/bill.pdf"));
        assert_eq!(shown_name("a\nb\tc.pdf"), "a\u{2424}b\u{2424}c.pdf");
    }

    #[test]
    fn causes_are_joined_once_each() {
        #[derive(Debug)]
        struct Layer(&'static str, Option<Box<Layer>>);
        impl std::fmt::Display for Layer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for Layer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|l| l as _)
            }
        }
        let error = Layer(
            "error sending request",
            Some(Box::new(Layer(
                "client error (Connect)",
                Some(Box::new(Layer("dns error", None))),
            ))),
        );
        assert_eq!(
            causes_text(&error),
            "error sending request: client error (Connect): dns error"
        );
    }
}
