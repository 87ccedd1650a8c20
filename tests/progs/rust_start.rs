// rust_start.rs - a small Rust program for the start-up edge tests (test_edges.c): the Rust runtime
// calls pthread_getattr_np on the main thread while glibc holds a lock around an allocation.
// HashMap, format!, a worker thread, and one intentionally forgotten Vec (the only leak).
use std::collections::HashMap;
use std::thread;

#[inline(never)]
fn forget_one() {
    let v: Vec<u8> = vec![7u8; 4321];
    // a volatile read of the Vec makes the allocation observable (else LLVM drops it); not
    // std::hint::black_box: Debian 12's rustc (1.63) predates it. Both copies are forgotten.
    let w: Vec<u8> = unsafe { std::ptr::read_volatile(&v) };
    std::mem::forget(v);
    std::mem::forget(w);
}

fn main() {
    let mut m: HashMap<String, usize> = HashMap::new();
    for i in 0..100 {
        m.insert(format!("key{}", i), i);
    }
    let worker = thread::spawn(|| {
        let v: Vec<String> = (0..50).map(|i| format!("w{}", i)).collect();
        v.len()
    });
    let n = worker.join().unwrap();
    forget_one();
    println!("rust: {} keys, worker made {}", m.len(), n);
}
