//! heapprof-stats - the heap's numbers from heapprof (libheapprof.so) for assertions in tests:
//! the same questions as `dhat::HeapStats`, with no change to the global allocator. Run the tests
//! under the library (`heapprof cargo test`, or `LD_PRELOAD=libheapprof.so cargo test`).
//!
//! Plain FFI to `heapprof_get_stats` of include/heapprof.h, looked up with `dlsym` at run time:
//! without the library the symbol is absent and [`HeapStats::get`] returns
//! `Err(NotProfiled)` instead of failing to link or crashing.
//!
//! Counts are the process's, exact, over every thread and every allocator call that reaches
//! malloc (C and C++ dependencies included), since the program started. Measure a difference
//! between two snapshots ([`HeapStats::since`]) and keep other threads quiet while you measure:
//! run such tests with `--test-threads=1`, or in their own test binary.

use std::os::raw::{c_char, c_int, c_void};
use std::fmt;

/// `struct heapprof_stats` of include/heapprof.h, field for field.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct RawStats {
    live_bytes: u64,
    live_blocks: u64,
    total_bytes: u64,
    total_blocks: u64,
    peak_bytes: u64,
    peak_blocks: u64,
}

type GetStats = unsafe extern "C" fn(*mut RawStats) -> c_int;

extern "C" {
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

const RTLD_DEFAULT: *mut c_void = std::ptr::null_mut(); // glibc's ((void *) 0)

/// The program does not run under libheapprof.so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotProfiled;

impl fmt::Display for NotProfiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not profiled: run under libheapprof.so (heapprof cargo test)")
    }
}

impl std::error::Error for NotProfiled {}

/// The heap now, named as in `dhat::HeapStats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapStats {
    /// Blocks allocated since the start (a realloc counts as one more).
    pub total_blocks: u64,
    /// Bytes allocated since the start.
    pub total_bytes: u64,
    /// Blocks live at the global peak (by bytes) so far.
    pub max_blocks: u64,
    /// Bytes live at the global peak so far.
    pub max_bytes: u64,
    /// Blocks live now.
    pub curr_blocks: u64,
    /// Bytes live now.
    pub curr_bytes: u64,
}

/// What happened between two snapshots: allocated (totals) and net change of what is live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapDelta {
    pub total_blocks: u64,
    pub total_bytes: u64,
    pub curr_blocks: i64,
    pub curr_bytes: i64,
}

fn get_stats_fn() -> Option<GetStats> {
    let p = unsafe { dlsym(RTLD_DEFAULT, b"heapprof_get_stats\0".as_ptr() as *const c_char) };
    if p.is_null() {
        None
    } else {
        Some(unsafe { std::mem::transmute::<*mut c_void, GetStats>(p) })
    }
}

/// True if the program runs under libheapprof.so.
pub fn active() -> bool {
    get_stats_fn().is_some()
}

impl HeapStats {
    /// The heap's numbers now (allocates nothing), or `Err(NotProfiled)`.
    pub fn get() -> Result<HeapStats, NotProfiled> {
        let f = get_stats_fn().ok_or(NotProfiled)?;
        let mut r = RawStats::default();
        if unsafe { f(&mut r) } != 0 {
            return Err(NotProfiled);
        }
        Ok(HeapStats {
            total_blocks: r.total_blocks,
            total_bytes: r.total_bytes,
            max_blocks: r.peak_blocks,
            max_bytes: r.peak_bytes,
            curr_blocks: r.live_blocks,
            curr_bytes: r.live_bytes,
        })
    }

    /// What was allocated and how the live heap changed from `before` to `self`.
    pub fn since(&self, before: &HeapStats) -> HeapDelta {
        HeapDelta {
            total_blocks: self.total_blocks - before.total_blocks,
            total_bytes: self.total_bytes - before.total_bytes,
            curr_blocks: self.curr_blocks as i64 - before.curr_blocks as i64,
            curr_bytes: self.curr_bytes as i64 - before.curr_bytes as i64,
        }
    }
}
