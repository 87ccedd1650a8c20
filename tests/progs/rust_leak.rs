// rust_leak.rs - the clean program's shape plus two real leaks in user code, for the leak gate
// (test_rust.c): a Box::leak in leak_config and a mem::forget in forget_buffer. The gate must
// exit 23 and name both functions.
use std::collections::HashMap;
use std::thread;

#[inline(never)]
fn leak_config(n: usize) -> &'static mut Vec<u32> {
    Box::leak(Box::new((0..n as u32).collect()))
}

#[inline(never)]
fn forget_buffer(n: usize) {
    let v: Vec<u8> = vec![9u8; n];
    // a volatile read keeps the allocation observable (else LLVM drops it)
    let first = unsafe { std::ptr::read_volatile(&v[0]) };
    assert_eq!(first, 9);
    std::mem::forget(v);
}

fn main() {
    let mut m: HashMap<String, usize> = HashMap::new();
    for i in 0..100 {
        m.insert(format!("key{}", i), i);
    }
    let worker = thread::spawn(|| (0..50).map(|i| format!("w{}", i)).count());
    let n = worker.join().unwrap();
    let cfg = leak_config(1000);
    forget_buffer(3333);
    println!("rust_leak: {} keys, worker {}, cfg {}", m.len(), n, cfg.len());
}
