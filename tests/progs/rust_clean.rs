// rust_clean.rs - a Rust program without a leak, for the leak gate (test_rust.c): HashMap,
// format!, a worker thread, Vec growth, args and environment reading, stdout. Everything it
// allocates is dropped or reachable at exit; what std keeps for the process's lifetime is
// covered by the built-in suppressions (docs/leak-check.md).
use std::collections::HashMap;
use std::thread;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let home = std::env::var("HOME").unwrap_or_default();
    let vars = std::env::vars().count();
    let mut m: HashMap<String, usize> = HashMap::new();
    for i in 0..200 {
        m.insert(format!("key{}", i), i);
    }
    let mut v: Vec<u64> = Vec::new();
    for i in 0..10_000u64 {
        v.push(i * i); // grows by doubling: many reallocs
    }
    let worker = thread::spawn(|| {
        let w: Vec<String> = (0..50).map(|i| format!("w{}", i)).collect();
        w.iter().map(|s| s.len()).sum::<usize>()
    });
    let n = worker.join().unwrap();
    println!(
        "rust_clean: {} args, home {} bytes, {} vars, {} keys, sum {}, worker {}",
        args.len(),
        home.len(),
        vars,
        m.len(),
        v.iter().sum::<u64>(),
        n
    );
}
