// rust_names.rs - a Rust program whose report must name its functions demangled (test_names.c).
// Built twice: legacy mangling (rustc's default) and `-C symbol-mangling-version=v0`.
// A HashMap index, format! strings, a worker thread, and one Box forgotten in make_leak.
use std::collections::HashMap;
use std::thread;

#[inline(never)]
fn build_index(n: usize) -> HashMap<String, Vec<usize>> {
    let mut m: HashMap<String, Vec<usize>> = HashMap::new();
    for i in 0..n {
        m.entry(format!("key{}", i % 37)).or_default().push(i);
    }
    m
}

#[inline(never)]
fn make_leak(n: usize) {
    let b: Box<[u64]> = vec![n as u64; n].into_boxed_slice();
    // a volatile read keeps the allocation (LLVM may drop an unobserved one)
    let first = unsafe { std::ptr::read_volatile(&b[0]) };
    assert_eq!(first, n as u64);
    std::mem::forget(b);
}

fn main() {
    let m = build_index(1000);
    let worker = thread::spawn(|| {
        let v: Vec<String> = (0..200).map(|i| format!("w{}", i)).collect();
        v.iter().map(|s| s.len()).sum::<usize>()
    });
    let total = worker.join().unwrap();
    make_leak(513);
    println!("rust_names: {} keys, worker {}", m.len(), total);
}
