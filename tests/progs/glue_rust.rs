// glue_rust.rs - Rust allocations behind alloc's glue (test_glue.c): HashMap inserts (hashbrown's
// reserve_rehash), format! (alloc::fmt::format), Vec growth (RawVec::grow/finish_grow), all from
// one user function, which must be the top site of every view and the leak report's name.
use std::collections::HashMap;

#[inline(never)]
fn index_words(rounds: usize) -> usize {
    let mut total = 0;
    for r in 0..rounds {
        let mut m: HashMap<String, Vec<usize>> = HashMap::new();
        for i in 0..200 {
            let key = format!("word-{}-{}", r, i);
            let mut v = Vec::new();
            for j in 0..i % 9 {
                v.push(j);
            }
            m.insert(key, v);
        }
        total += m.len();
        if r == rounds - 1 {
            std::mem::forget(m); // the one leak
        }
    }
    total
}

fn main() {
    let n = index_words(10);
    if n != 2000 {
        std::process::exit(1);
    }
}
