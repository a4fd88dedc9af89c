//! The allocator every Sitebook program installs, and how a parse worker must configure it.
//!
//! Parsing a workbook makes a small allocation for nearly every cell, and with mimalloc the
//! 10,000-item parse takes a fifth less time than with the system allocator (BENCHMARKS.md).
//! Worker processes are these same programs, so the parse runs on it wherever it runs.
//!
//! Two things make mimalloc safe under the worker's memory limit:
//! - By default mimalloc reserves its heap 1 GiB at a time. Reserved before the worker sets
//!   its limit, that one mapping used up the whole 1 GiB allowance, so the next thread stack
//!   or segment failed at random and ordinary workbooks were reported as damaged. The worker
//!   is therefore started with [`WORKER_ENVIRONMENT`], which makes mimalloc reserve small
//!   arenas as it goes, so the limit bounds what the parse really uses.
//! - An allocation refused by the limit is reported on stderr with [`OUT_OF_MEMORY_MARKER`]
//!   before Rust aborts, so the parent can tell "this workbook needs more memory than allowed"
//!   from "something outside killed the reader".

use std::alloc::{GlobalAlloc, Layout};

/// Environment the parse worker must start with. mimalloc reads it once, at its first
/// allocation, which is before any code of ours runs; that is why it is set by the parent and
/// not by the worker itself. The arena reserve is the smallest mimalloc accepts (32 MiB).
pub const WORKER_ENVIRONMENT: [(&str, &str); 1] = [("MIMALLOC_ARENA_RESERVE", "32MiB")];

macro_rules! out_of_memory_marker {
    () => {
        "sitebook: out of memory"
    };
}

/// The line an allocation failure writes to stderr.
pub const OUT_OF_MEMORY_MARKER: &str = out_of_memory_marker!();

/// Whether this process was started with [`WORKER_ENVIRONMENT`].
pub fn has_worker_environment() -> bool {
    WORKER_ENVIRONMENT
        .iter()
        .all(|(name, value)| std::env::var_os(name).is_some_and(|set| set == *value))
}

/// mimalloc, with allocation failures announced on stderr (see the module docs).
pub struct Allocator;

impl Allocator {
    #[cold]
    fn announce_failure() {
        let line = concat!("\n", out_of_memory_marker!(), "\n").as_bytes();
        // Nothing may allocate here; a raw write of a constant is all that is safe.
        #[cfg(unix)]
        unsafe {
            libc::write(2, line.as_ptr().cast(), line.len());
        }
        #[cfg(not(unix))]
        let _ = line;
    }

    /// `pointer`, after announcing the failure when it is null.
    #[inline]
    fn announced(pointer: *mut u8) -> *mut u8 {
        if pointer.is_null() {
            Self::announce_failure();
        }
        pointer
    }
}

// SAFETY: every call is forwarded unchanged to mimalloc, which upholds the GlobalAlloc contract;
// the wrapper only looks at the returned pointer.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::announced(unsafe { mimalloc::MiMalloc.alloc(layout) })
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::announced(unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) })
    }

    #[inline]
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(pointer, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::announced(unsafe { mimalloc::MiMalloc.realloc(pointer, layout, new_size) })
    }
}
