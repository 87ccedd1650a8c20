// tests/stats.rs - exact heap statistics for a known allocation pattern, under libheapprof.so
// (run with --test-threads=1: the counts are the process's). Without the library, get() must
// say "not profiled" and nothing else happens.
use heapprof_stats::{active, HeapStats, NotProfiled};

/// Keeps the optimizer from removing an allocation (std::hint::black_box is newer than
/// Debian 12's rustc 1.63): a volatile copy of the value, the original forgotten.
fn black_box<T>(x: T) -> T {
    let y = unsafe { std::ptr::read_volatile(&x) };
    std::mem::forget(x);
    y
}

fn preloaded() -> bool {
    std::env::var("LD_PRELOAD").map_or(false, |v| v.contains("libheapprof"))
}

#[test]
fn not_profiled_without_the_library() {
    if preloaded() {
        return; // the other run covers this
    }
    assert!(!active());
    assert_eq!(HeapStats::get(), Err(NotProfiled));
}

#[test]
fn exact_counts_for_a_known_pattern() {
    if !preloaded() {
        assert!(HeapStats::get().is_err());
        return;
    }
    let s0 = HeapStats::get().expect("under libheapprof.so");
    // 3 blocks: a 1000-byte Vec, a boxed [u64; 16] (128 bytes), a 100-byte String; then the
    // Vec grows from 1000 to 4000 bytes (one realloc: one more block of 4000 bytes).
    let mut v: Vec<u8> = black_box(Vec::with_capacity(1000));
    let b = black_box(Box::new([7u64; 16]));
    let s: String = black_box(String::with_capacity(100));
    let s1 = HeapStats::get().unwrap();
    v.reserve_exact(4000);
    let s2 = HeapStats::get().unwrap();
    drop(black_box(v));
    drop(black_box(b));
    drop(black_box(s));
    let s3 = HeapStats::get().unwrap();

    let d1 = s1.since(&s0);
    assert_eq!((d1.total_blocks, d1.total_bytes), (3, 1228));
    assert_eq!((d1.curr_blocks, d1.curr_bytes), (3, 1228));
    let d2 = s2.since(&s1);
    assert_eq!((d2.total_blocks, d2.total_bytes), (1, 4000));
    assert_eq!((d2.curr_blocks, d2.curr_bytes), (0, 3000));
    let d3 = s3.since(&s0);
    assert_eq!((d3.curr_blocks, d3.curr_bytes), (0, 0));
    assert_eq!((d3.total_blocks, d3.total_bytes), (4, 5228));
    // the peak is the process's: at least what was live at s2
    assert!(s2.max_bytes >= s2.curr_bytes && s3.max_bytes >= s0.curr_bytes + 4228);
}
