#!/usr/bin/env python3
"""make_dhatrs.py - writes dhatrs-heap.json and bad/dhatrs-adhoc.json: hand-written dhat-rs files.

No real dhat-rs file could be made here (cargo cannot fetch the dhat crate without the network),
so this follows dhat-rs 0.3.3's writer (src/lib.rs, Profiler::finish and DhatJson/PpInfoJson)
exactly: key order of the structs, "bu"/"bsu"/"bksu" omitted in heap mode, "tu" "µs" written
raw (serde_json escapes no non-ASCII), serde_json's PrettyFormatter with an empty indent (every
value on its own line, "key": value with one space, "[]" for an empty array, no final newline),
ftbl[0] "[root]" and indices in order of first use, and frames as frame_to_string writes them:
"{ip:?}: {symbol:#} ({file trimmed to its last 3 components}:{line}:{col})".

The numbers are those dhat-rs's own tests/heap.rs asserts for its program (Linux, debug build):
v5 vec![0u8; 1000] (heap.rs:38:18); v6 vec![0u8; 200] (39:22) then reserve(200), a realloc to 400
that makes the global peak, counted at the block's site (as DHAT does); v3 (allocated before profiling) push(5): a realloc from 16 to 32
bytes, counted as a fresh block, live at the end (35:9); _v7 10 x vec![i as u8] (49:22).
Totals: 14 blocks, 1642 bytes; peak 1432 bytes in 3 blocks; end 32 bytes in 1 block.
"""
import json, os

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

RV = "src/raw_vec/mod.rs"
main_frames = [
    ("0x55a4c2b1d6e3", "core::ops::function::FnOnce::call_once", "src/ops/function.rs", 250, 5),
    ("0x55a4c2b1f0a1", "core::ops::function::FnOnce::call_once", "src/ops/function.rs", 250, 5),
    ("0x55a4c2b6b20e", "test::__rust_begin_short_backtrace", "library/test/src/lib.rs", 663, 18),
]
sites = [  # (tb, tbk, tl, mb, mbk, gb, gbk, eb, ebk, frames innermost first)
    (1000, 1, 186, 1000, 1, 1000, 1, 0, 0, [
        ("0x55a4c2b2e1c7", "alloc::raw_vec::RawVecInner<A>::try_allocate_in", RV, 476, 41),
        ("0x55a4c2b2d3f2", "alloc::raw_vec::RawVecInner<A>::with_capacity_zeroed_in", RV, 441, 15),
        ("0x55a4c2b2c8a0", "<u8 as alloc::vec::spec_from_elem::SpecFromElem>::from_elem", "src/vec/spec_from_elem.rs", 52, 31),
        ("0x55a4c2b2c9d4", "alloc::vec::from_elem", "src/vec/mod.rs", 3299, 5),
        ("0x55a4c2b1e5b9", "heap::main", "dhat-rs/tests/heap.rs", 38, 18),
    ] + main_frames),
    (600, 2, 231, 400, 1, 400, 1, 0, 0, [  # the realloc goes to the block's site, as in DHAT
        ("0x55a4c2b2e1c7", "alloc::raw_vec::RawVecInner<A>::try_allocate_in", RV, 476, 41),
        ("0x55a4c2b2d3f2", "alloc::raw_vec::RawVecInner<A>::with_capacity_zeroed_in", RV, 441, 15),
        ("0x55a4c2b2c8a0", "<u8 as alloc::vec::spec_from_elem::SpecFromElem>::from_elem", "src/vec/spec_from_elem.rs", 52, 31),
        ("0x55a4c2b2c9d4", "alloc::vec::from_elem", "src/vec/mod.rs", 3299, 5),
        ("0x55a4c2b1e61b", "heap::main", "dhat-rs/tests/heap.rs", 39, 22),
    ] + main_frames),
    (32, 1, 402, 32, 1, 32, 1, 32, 1, [
        ("0x55a4c2b2f6a8", "alloc::raw_vec::finish_grow", RV, 764, 13),
        ("0x55a4c2b2f311", "alloc::raw_vec::RawVecInner<A>::grow_amortized", RV, 687, 9),
        ("0x55a4c2b2f890", "alloc::raw_vec::RawVec<T,A>::grow_one", RV, 337, 21),
        ("0x55a4c2b2c2f5", "alloc::vec::Vec<T,A>::push", "src/vec/mod.rs", 2417, 13),
        ("0x55a4c2b1e4a2", "heap::main", "dhat-rs/tests/heap.rs", 35, 9),
    ] + main_frames),
    (10, 10, 4, 1, 1, 0, 0, 0, 0, [
        ("0x55a4c2b2c8a0", "<u8 as alloc::vec::spec_from_elem::SpecFromElem>::from_elem", "src/vec/spec_from_elem.rs", 52, 31),
        ("0x55a4c2b2c9d4", "alloc::vec::from_elem", "src/vec/mod.rs", 3299, 5),
        ("0x55a4c2b1e8f3", "heap::main", "dhat-rs/tests/heap.rs", 49, 22),
    ] + main_frames),
]

def frame(f):
    ip, sym, file, line, col = f
    return "%s: %s (%s:%d:%d)" % (ip, sym, file, line, col)

def pretty(v, out):  # serde_json PrettyFormatter::with_indent(b"")
    if isinstance(v, dict):
        out.append("{\n")
        for i, (k, x) in enumerate(v.items()):
            out.append(",\n" if i else "")
            out.append(json.dumps(k, ensure_ascii=False) + ": ")
            pretty(x, out)
        out.append("\n}")
    elif isinstance(v, list):
        if not v:
            out.append("[]")
            return
        out.append("[\n")
        for i, x in enumerate(v):
            out.append(",\n" if i else "")
            pretty(x, out)
        out.append("\n]")
    elif isinstance(v, bool):
        out.append("true" if v else "false")
    else:
        out.append(json.dumps(v, ensure_ascii=False))

def write(path, mode, heap):
    idx = {"[root]": 0}
    pps = []
    for tb, tbk, tl, mb, mbk, gb, gbk, eb, ebk, frames in sites:
        fs = [idx.setdefault(frame(f), len(idx)) for f in frames]
        if heap:
            pps.append(dict(tb=tb, tbk=tbk, tl=tl, mb=mb, mbk=mbk, gb=gb, gbk=gbk, eb=eb, ebk=ebk, fs=fs))
        else:
            pps.append(dict(tb=tb, tbk=tbk, fs=fs))
    ftbl = [""] * len(idx)
    for s, i in idx.items():
        ftbl[i] = s
    doc = {"dhatFileVersion": 2, "mode": mode, "verb": "Allocated", "bklt": heap, "bkacc": False}
    if not heap:
        doc.update(bu="unit", bsu="units", bksu="events")
    doc.update(tu="µs", Mtu="s")
    if heap:
        doc["tuth"] = 10
    doc.update(cmd="/home/u/dhat-rs/target/debug/deps/heap-5d1c0e8b2a7f9364", pid=48213)
    if heap:
        doc["tg"] = 517
    doc.update(te=1034, pps=pps, ftbl=ftbl)
    out = []
    pretty(doc, out)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))

write(os.path.join(D, "dhatrs-heap.json"), "rust-heap", True)
write(os.path.join(D, "bad", "dhatrs-adhoc.json"), "rust-ad-hoc", False)
