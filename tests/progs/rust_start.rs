// rust_start.rs - a small Rust program for the start-up edge tests (test_edges.c): the Rust runtime
// calls pthread_getattr_np on the main thread while glibc holds a lock around an allocation.
// HashMap, format!, a worker thread, and one intentionally forgotten Vec (the only leak).
use std::collections::HashMap;
use std::thread;

#[inline(never)]
fn forget_one() {
    let v: Vec<u8> = std::hint::black_box(vec![7u8; 4321]); // else LLVM drops the allocation
    std::mem::forget(v);
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
