//! How WebKitGTK draws the window on this machine. Without a GPU (no DRM render node, as on
//! virtual machines, remote desktops and Xvfb), Mesa's llvmpipe stands in for one, and WebKit's
//! GPU path then spends most of the first screen's time compiling shaders on the CPU: measured
//! here, 0.9 s of the web process's 1.0 s of CPU before the sign-in form appeared. On such
//! machines Skia's own CPU rasteriser is the cheaper path (0.45 s). Turning compositing off
//! altogether was cheaper still, but then WebKit's page snapshots never completed (WebDriver
//! screenshots hung), so compositing stays on. A machine with a GPU is left as WebKit chooses,
//! and so is any choice the person made in the environment.

use std::path::Path;

/// WebKitGTK's switch for rasterising with Skia on the CPU instead of through GL.
const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Environment variables through which a person has already chosen how WebKit draws.
const CHOSEN_ALREADY: [&str; 3] = [
    CPU_RENDERING,
    "WEBKIT_DISABLE_COMPOSITING_MODE",
    "WEBKIT_FORCE_COMPOSITING_MODE",
];

/// Picks the drawing path before WebKit starts. Must run before any other thread exists,
/// since it sets an environment variable the web process inherits.
pub fn choose_for_this_machine() {
    let chosen = CHOSEN_ALREADY
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if rasterise_on_the_cpu(chosen, has_render_node(Path::new("/dev/dri"))) {
        std::env::set_var(CPU_RENDERING, "1");
    }
}

/// Whether to rasterise on the CPU: only when no one chose already and there is no GPU.
fn rasterise_on_the_cpu(chosen_already: bool, has_gpu: bool) -> bool {
    !chosen_already && !has_gpu
}

/// Whether `dri` holds a DRM render node (`renderD128`…), which is how Mesa reaches a GPU.
fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .flatten()
                .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_machine_without_a_gpu_and_without_a_choice_rasterises_on_the_cpu() {
        assert!(rasterise_on_the_cpu(false, false));
        assert!(!rasterise_on_the_cpu(false, true));
        assert!(!rasterise_on_the_cpu(true, false));
        assert!(!rasterise_on_the_cpu(true, true));
    }

    #[test]
    fn a_render_node_is_found_among_the_dri_devices() {
        let dri = tempfile::tempdir().unwrap();
        assert!(!has_render_node(dri.path()));
        std::fs::write(dri.path().join("card0"), b"").unwrap();
        assert!(
            !has_render_node(dri.path()),
            "a card node alone is not a render node"
        );
        std::fs::write(dri.path().join("renderD128"), b"").unwrap();
        assert!(has_render_node(dri.path()));
        assert!(!has_render_node(&dri.path().join("missing")));
    }
}
