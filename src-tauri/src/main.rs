//! The Sitebook desktop shell. It only wires: open the core on the data dir, start logging,
//! register the commands and run the window. Everything the commands do lives in the core.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
#[cfg(target_os = "linux")]
mod rendering;
#[cfg(target_os = "linux")]
mod system_open;

use commands::AppState;
use tauri::Manager;

/// See [`sitebook_core::Allocator`].
#[global_allocator]
static ALLOCATOR: sitebook_core::Allocator = sitebook_core::Allocator;

fn main() {
    // This binary also parses untrusted workbooks, in a child process of itself.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(sitebook_core::api::stateless::worker::ARG) {
        std::process::exit(sitebook_core::api::stateless::worker::run(&args[2..]));
    }
    // Before logging starts its thread: this sets an environment variable.
    #[cfg(target_os = "linux")]
    rendering::choose_for_this_machine();
    let data_dir = sitebook_core::api::stateless::data_dir(None);
    let _log_guard = data_dir
        .as_ref()
        .ok()
        .and_then(|dir| sitebook_core::api::stateless::start_logging(dir).ok());
    // Tauri panics when GTK cannot reach a display; a person should read why instead.
    #[cfg(target_os = "linux")]
    if let Err(error) = gtk::init() {
        tracing::error!(%error, "could not reach the display");
        eprintln!(
            "Sitebook could not open its window: no display could be reached ({error}). Start \
             it from a desktop session, or check DISPLAY / WAYLAND_DISPLAY."
        );
        std::process::exit(1);
    }
    let state = AppState::new(data_dir);

    let result = tauri::Builder::default()
        .setup(|app| {
            // The database opens while WebKit builds the window, and the workers, syncer and
            // inbox start once the first screen has been asked for, so neither delays it.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle
                    .state::<AppState>()
                    .open_then_start_background_work()
                    .await;
            });
            Ok(())
        })
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::first_screen_shown,
            commands::create_first_account,
            commands::sign_in,
            commands::change_password,
            commands::sign_out,
            commands::list_orgs,
            commands::switch_org,
            commands::list_members,
            commands::add_member,
            commands::create_member_account,
            commands::set_member_role,
            commands::remove_member,
            commands::unlock_member,
            commands::reset_member_password,
            commands::list_audit,
            commands::verify_audit,
            commands::upload_files,
            commands::import_example,
            commands::list_jobs,
            commands::cancel_job,
            commands::retry_job,
            commands::list_estimates,
            commands::get_estimate,
            commands::subscribe_jobs,
            commands::get_work_form,
            commands::save_work_form,
            commands::list_bills,
            commands::list_workslips,
            commands::bill_draft,
            commands::preview_bill,
            commands::create_bill,
            commands::withdraw_document,
            commands::list_deductions,
            commands::save_deduction,
            commands::remove_deduction,
            commands::workslip_draft,
            commands::preview_workslip,
            commands::create_workslip,
            commands::request_abstract,
            commands::list_outputs,
            commands::job_files,
            commands::read_output,
            commands::open_output,
            commands::save_output_as,
            commands::subscribe_sync,
            commands::sync_status,
            commands::sync_configure,
            commands::sync_set_enabled,
            commands::sync_forget,
            commands::sync_test,
            commands::sync_run,
            commands::sync_check,
            commands::sync_retry_failed,
            commands::sync_restore,
            commands::share_output,
            commands::org_rename,
            commands::currency_mark,
            commands::currency_mark_set,
            commands::inbox_settings,
            commands::inbox_set,
            commands::inbox_clear,
            commands::subscribe_inbox,
            commands::choose_folder,
            commands::choose_workbooks,
            commands::create_org,
            commands::reanchor_audit,
            commands::device_settings,
            commands::device_settings_save,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "the desktop app stopped with an error");
        eprintln!("Sitebook could not start its window: {error}");
        std::process::exit(1);
    }
}
