// rust_demo.rs - the Rust counterpart of examples/demo.c, for the README: a word index in a
// HashMap, format! labels, a worker thread that builds its own table, and one deliberate leak
// (mem::forget). Build: rustc -O -g examples/rust_demo.rs; run: heapprof ./rust_demo.
use std::collections::HashMap;
use std::thread;

#[inline(never)]
fn index_words(text: &str) -> HashMap<String, Vec<usize>> {
    let mut idx: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, w) in text.split_whitespace().enumerate() {
        idx.entry(w.to_string()).or_default().push(i);
    }
    idx
}

#[inline(never)]
fn labels(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("label-{i:05}")).collect()
}

#[inline(never)]
fn worker_table(n: u64) -> u64 {
    let squares: Vec<u64> = (0..n).map(|i| i * i).collect();
    squares.iter().sum()
}

#[inline(never)]
fn forget_cache() {
    let cache: Vec<u8> = vec![7u8; 4096];
    // a read the optimiser must keep, so the allocation is not elided
    let first = unsafe { std::ptr::read_volatile(&cache[0]) };
    assert_eq!(first, 7);
    std::mem::forget(cache); // the leak the gate reports
}

fn main() {
    let text = "the quick brown fox jumps over the lazy dog ".repeat(200);
    let idx = index_words(&text);
    let l = labels(1000);
    let h = thread::spawn(|| worker_table(100_000));
    let sum = h.join().unwrap();
    forget_cache();
    println!("{} words, {} labels, sum {}", idx.len(), l.len(), sum);
}
