//! Builds the desktop shell: Tauri's code generation, and the start-up code layout.

fn main() {
    tauri_build::build();
    lay_out_start_up_code_together();
}

/// Hands the linker the functions the window runs while it starts (`startup-order.txt`), so
/// that it places them side by side. Scattered, they made 11 MiB of the binary's code resident
/// for 2.5 MiB used, because the kernel maps code 64 KiB around each page first touched
/// (`benches/record_startup_order.py` explains and rewrites the list). Only release builds for
/// x86_64 Linux: there Rust links with its bundled LLD, which knows the option; a name it no
/// longer finds is skipped, silently, as the layout is only a hint.
fn lay_out_start_up_code_together() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it");
    let list = std::path::Path::new(&manifest_dir).join("src-tauri/startup-order.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let lld_by_default = std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu");
    if !(release && lld_by_default) {
        return;
    }
    println!(
        "cargo:rustc-link-arg-bin=sitebook-desktop=-Wl,--symbol-ordering-file={}",
        list.display()
    );
    println!("cargo:rustc-link-arg-bin=sitebook-desktop=-Wl,--no-warn-symbol-ordering");
}
