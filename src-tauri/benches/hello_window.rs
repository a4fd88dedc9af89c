//! The peer of the start-up benchmark (`startup_vs_hello.py`): the smallest Tauri 2 app, one
//! 1280×800 window showing a static page, as `create-tauri-app`'s vanilla template makes it. It
//! is built from the same Tauri and WebKitGTK as Sitebook, so the two differ only by what
//! Sitebook itself does before its first screen.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!(
            "src-tauri/benches/hello/tauri.conf.json"
        ))
        .expect("the hello window runs");
}
