#!/usr/bin/env python3
"""make_bad.py - writes the malformed reports of bad/ from hp-leaky.json (run from this
directory). Each file breaks one rule; tests/unit/viewer/test_load.c asserts the message."""
import json, os

base = open("hp-leaky.json", encoding="utf-8").read()
doc = json.loads(base)

def dump(name, d):
    with open(os.path.join("bad", name), "w", encoding="utf-8") as f:
        json.dump(d, f, ensure_ascii=False)

def raw(name, data):
    with open(os.path.join("bad", name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def variant(name, fn):
    d = json.loads(base)
    fn(d)
    dump(name, d)

raw("empty.json", b"")
raw("whitespace.json", b"  \n\t\n")
raw("truncated.json", base.encode()[:len(base) // 2])
raw("truncated-end.json", base.encode().rstrip()[:-1])
raw("notjson.txt", "this is not a heap profile\n")
raw("array.json", "[1, 2, 3]\n")
raw("trailing.json", base + "\n{}\n")
raw("nul.json", base.encode()[:200] + b"\0" + base.encode()[200:])
raw("dup-key.json", base.replace('"te":', '"te":1,"te":', 1))
raw("deep.json", '{"x":' + "[" * 100000 + "]" * 100000 + "}")
raw("huge-int.json", base.replace('"tb":300,', '"tb":18446744073709551616,', 1))
variant("version3.json", lambda d: d.update(dhatFileVersion=3))
variant("pps-object.json", lambda d: d.update(pps={"a": 1}))
variant("huge.json", lambda d: d["pps"][0].update(tb=1e30))
variant("negative.json", lambda d: d["pps"][1].update(tbk=-5))
variant("fs-range.json", lambda d: d["pps"][2]["fs"].append(99))
variant("fs-zero.json", lambda d: d["pps"][0]["fs"].insert(0, 0))
variant("missing-tl.json", lambda d: d["pps"][1].pop("tl"))
variant("missing-ftbl.json", lambda d: d.pop("ftbl"))
variant("te-string.json", lambda d: d.update(te="395"))
variant("fraction.json", lambda d: d["pps"][0].update(tb=300.5))
variant("totals.json", lambda d: d.update(hp_total_bytes=1))
variant("eb-gt-mb.json", lambda d: d["pps"][0].update(eb=301))
variant("root.json", lambda d: d["ftbl"].__setitem__(0, "main"))
variant("mode.json", lambda d: d.update(mode="heapish"))

# From hand-leakcheck-classes.json: a site whose classes do not add up to eb.
lk = json.loads(open("hand-leakcheck-classes.json", encoding="utf-8").read())
lk["pps"][1]["hp_leak"]["sb"] = 2000
lk["hp_leak_check"]["suppressed_bytes"] = 2000
dump("leak-classes-sum.json", lk)

# From hand-dist.json: hp_timeline and hp_hist (README.md, "hand-dist.json").
dist = open("hand-dist.json", encoding="utf-8").read()

def dist_variant(name, fn):
    d = json.loads(dist)
    fn(d)
    dump(name, d)

tl = lambda d: d["hp_timeline"]
dist_variant("tl-not-ascending.json", lambda d: tl(d)["t"].__setitem__(3, 240))
dist_variant("tl-length.json", lambda d: tl(d)["b"].pop())
dist_variant("tl-site-length.json", lambda d: tl(d)["sites"][1]["b"].pop())
dist_variant("tl-pp-range.json", lambda d: tl(d)["sites"][1].update(pp=7))
dist_variant("tl-missing-bk.json", lambda d: tl(d).pop("bk"))
dist_variant("tl-too-many.json", lambda d: tl(d).update(t=list(range(2001)), b=[0] * 2001,
                                                         bk=[0] * 2001, sites=[]))
dist_variant("tl-too-many-sites.json",
             lambda d: tl(d).update(sites=[{"pp": 0, "b": [0] * 6}] * 17))
dist_variant("hist-buckets.json", lambda d: d["pps"][0]["hp_hist"].update(size=[0] * 41))
dist_variant("hist-sum.json", lambda d: d["pps"][0]["hp_hist"]["life"].__setitem__(0, 11))
dist_variant("hist-type.json", lambda d: d["pps"][0]["hp_hist"].update(size="x"))

# From hand-sampled.json: hp_sample (README.md, "hand-sampled.json").
smp = open("hand-sampled.json", encoding="utf-8").read()

def smp_variant(name, fn):
    d = json.loads(smp)
    fn(d)
    dump(name, d)

smp_variant("sample-rate-zero.json", lambda d: d["hp_sample"].update(rate=0))
smp_variant("sample-rate-fraction.json", lambda d: d["hp_sample"].update(rate=0.5))
smp_variant("sample-type.json", lambda d: d.update(hp_sample=524288))
smp_variant("sample-no-samples.json", lambda d: d["hp_sample"].pop("samples"))
smp_variant("sample-leak-check.json",
            lambda d: d.update(hp_leak_check={k: 0 for k in (
                "definite_bytes", "definite_blocks", "indirect_bytes", "indirect_blocks",
                "reachable_bytes", "reachable_blocks", "suppressed_bytes",
                "suppressed_blocks")}))
