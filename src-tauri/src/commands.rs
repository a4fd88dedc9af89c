//! The commands the UI invokes. Each is a thin wrapper: take the session from app state, call
//! one core operation, and hand back its value or `{code, message}`.

use std::path::PathBuf;

use sitebook_core::api::{AppStatus, OpenOptions, SessionView};
use sitebook_core::tenancy::accounts::Password;
use sitebook_core::tenancy::audit::{AuditEntry, AuditFilter};
use sitebook_core::tenancy::memberships::MemberView;
use sitebook_core::tenancy::session::{OrgChoice, Session};
use sitebook_core::{ApiError, Error, Sitebook};
use tauri::State;
use tokio::sync::Mutex;

/// The core (or why it could not open) and the signed-in session of this window.
pub struct AppState {
    core: Result<Sitebook, ApiError>,
    data_dir: String,
    session: Mutex<Option<Session>>,
}

impl AppState {
    /// Opens the core. A failure (say, a database from a newer version) is kept and shown in
    /// the window instead of ending the program before the user can read why.
    pub fn open(data_dir: Result<PathBuf, Error>) -> Self {
        let shown_dir = data_dir
            .as_ref()
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        let core = data_dir
            .and_then(|dir| tauri::async_runtime::block_on(Sitebook::open(OpenOptions::new(dir))));
        if let Err(error) = &core {
            tracing::error!(%error, "could not open the data folder");
        }
        Self {
            core: core.map_err(|error| error.to_api()),
            data_dir: shown_dir,
            session: Mutex::new(None),
        }
    }

    fn core(&self) -> Result<&Sitebook, ApiError> {
        self.core.as_ref().map_err(Clone::clone)
    }
}

type Reply<T> = Result<T, ApiError>;

fn api(error: Error) -> ApiError {
    error.to_api()
}

async fn signed_in<T>(
    state: &AppState,
    operation: impl AsyncFnOnce(&Sitebook, &mut Session) -> Result<T, Error>,
) -> Reply<T> {
    let core = state.core()?;
    let mut guard = state.session.lock().await;
    let session = guard.as_mut().ok_or_else(|| Error::NotSignedIn.to_api())?;
    operation(core, session).await.map_err(api)
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Reply<AppStatus> {
    let core = state.core()?;
    let session = state.session.lock().await;
    let session = match session.as_ref() {
        Some(session) => Some(core.view(session).await.map_err(api)?),
        None => None,
    };
    Ok(AppStatus {
        needs_setup: core.needs_setup().await.map_err(api)?,
        session,
        data_dir: state.data_dir.clone(),
        device: core.device().to_string(),
    })
}

#[tauri::command]
pub async fn create_first_account(
    state: State<'_, AppState>,
    username: String,
    full_name: String,
    password: String,
) -> Reply<SessionView> {
    let core = state.core()?;
    let session = core
        .init_first_account(&username, &full_name, Password::new(password))
        .await
        .map_err(api)?;
    let view = core.view(&session).await.map_err(api)?;
    *state.session.lock().await = Some(session);
    Ok(view)
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Reply<SessionView> {
    let core = state.core()?;
    let session = core
        .sign_in(&username, Password::new(password), None)
        .await
        .map_err(api)?;
    let view = core.view(&session).await.map_err(api)?;
    *state.session.lock().await = Some(session);
    Ok(view)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Reply<()> {
    *state.session.lock().await = None;
    Ok(())
}

#[tauri::command]
pub async fn list_orgs(state: State<'_, AppState>) -> Reply<Vec<OrgChoice>> {
    signed_in(&state, async |core, session| core.org_list(session).await).await
}

#[tauri::command]
pub async fn switch_org(state: State<'_, AppState>, code: String) -> Reply<SessionView> {
    signed_in(&state, async |core, session| {
        core.org_switch(session, &code).await?;
        core.view(session).await
    })
    .await
}

#[tauri::command]
pub async fn list_members(state: State<'_, AppState>) -> Reply<Vec<MemberView>> {
    signed_in(&state, async |core, session| {
        core.member_list(session).await
    })
    .await
}

#[tauri::command]
pub async fn list_audit(
    state: State<'_, AppState>,
    denied_only: bool,
    limit: u32,
) -> Reply<Vec<AuditEntry>> {
    let filter = AuditFilter { denied_only, limit };
    signed_in(&state, async |core, session| {
        core.audit_list(session, filter).await
    })
    .await
}
