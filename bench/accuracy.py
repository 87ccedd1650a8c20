#!/usr/bin/env python3
"""accuracy.py - compare one exact heapprof report with the sampled reports of the same
workload (bench/accuracy.sh runs them): the exact top 10 sites by bytes allocated (tb),
each with its estimate in every sampled run.

Usage: accuracy.py [--addr] NAME EXACT.json SAMPLED.json... >> table rows (markdown) on stdout,
       with one summary line (prefix "SUMMARY|") last.

Sites are identified across runs by their symbolized stack: the tuple of `ftbl` strings of
`fs`, with the addresses dropped ("function (file.c:12)", "function (in lib.so)"). The
addresses cannot be kept even with ASLR off (accuracy.sh runs setarch -R): a library that
the program dlopens lands at another address in exact mode than in sampling mode, because
heapprof maps different amounts of its own memory before it (seen with Python's _json
module). --addr keeps them (full strings) for reports where they are known to be stable.
Sites with the same key within one report are summed (they are one site to the reader).

Definitions (the same in docs/performance.md):
  error %       = (estimate - exact) / exact, per run; "mean" is the error of the mean
                  estimate over runs, "worst" the largest |error| of a single run;
  rank          = position by tb (exact) or by estimated tb (sampled), 1 = most bytes;
  ranks kept    = (over all top 10, and over those without reallocs) for every pair of the exact top 10 whose exact tb are both at least 10 R
                  (ten samples expected: below that no sampler at rate R can order them)
                  and differ by more than 20% (larger > 1.2 x smaller), the run's estimates
                  order them the same way; closer pairs may swap without counting as a miss;
  well-sampled  = sites with tb >= 100 R, where sigma <= 10% (the ones the +-10% goal can
                  be asked of), and no reallocs (below); the other top-10 sites are listed,
                  and counted in "all";
  sigma %       = 100 * sqrt(R / tb): the standard deviation of the estimate of a site whose
                  blocks are all much smaller than R (a Poisson count of tb / R samples, each
                  standing for about R bytes); blocks near or above R are estimated better.
  (realloc'd)   = the exact run counted reallocs of this site's blocks (hp_rs > 0): exact
                  mode adds a realloc's bytes to the block's first site (DHAT's rule), sampling
                  mode counts a realloc as a new allocation at the realloc's own stack
                  (preload/hooks.c), so such a site's estimate misses those bytes by design;
  matched %     = share of the sampled runs' estimated bytes whose stack also occurs in the
                  exact run: near 100 unless the two runs took different paths.
Exit status: 0, or 2 if a report cannot be read or is not what it should be (an exact report
with hp_sample, a sampled one without it).
"""
import json
import math
import re
import sys

ADDR = re.compile(r"^0x[0-9A-Fa-f]+: ")


def die(msg):
    print("accuracy.py: " + msg, file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
        ftbl = r["ftbl"]
        pps = r["pps"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        die("%s: not a heapprof report (%s)" % (path, e))
    return r, ftbl, pps


def sites(r, ftbl, pps, strip, field="tb"):
    out = {}
    for pp in pps:
        key = tuple(ADDR.sub("", ftbl[i]) if strip else ftbl[i] for i in pp["fs"])
        out[key] = out.get(key, 0) + pp.get(field, 0)
    return out


def label(key):
    """the innermost two frames, addresses dropped, and the depth: enough to recognise a site"""
    fr = [ADDR.sub("", f) for f in key[:2]]
    fr = [f if len(f) <= 60 else f[:57] + "..." for f in fr]
    return (" < ".join(fr) if fr else "(no stack)") + " [%d frames]" % len(key)


def ranks(d):
    order = sorted(d, key=lambda k: (-d[k], k))
    return {k: i + 1 for i, k in enumerate(order)}


def kept(top, exact, est, floor):
    top = [k for k in top if exact[k] >= floor]
    for i, a in enumerate(top):
        for b in top[i + 1 :]:
            hi, lo = (a, b) if exact[a] >= exact[b] else (b, a)
            if exact[hi] > 1.2 * exact[lo] and not est.get(hi, 0) > est.get(lo, 0):
                return False
    return True


def main(argv):
    strip = True
    if argv and argv[0] == "--addr":
        strip, argv = False, argv[1:]
    if len(argv) < 3:
        die("usage: accuracy.py [--addr] NAME EXACT.json SAMPLED.json...")
    name, exact_path, sampled_paths = argv[0], argv[1], argv[2:]
    er, eftbl, epps = load(exact_path)
    if "hp_sample" in er:
        die("%s: the exact run is sampled (hp_sample present)" % exact_path)
    runs = []
    for p in sampled_paths:
        r, ftbl, pps = load(p)
        hs = r.get("hp_sample")
        if not isinstance(hs, dict) or "rate" not in hs:
            die("%s: no hp_sample: this library did not sample (exact mode ran)" % p)
        runs.append((r, ftbl, pps))

    def build(strip):
        ex = sites(er, eftbl, epps, strip)
        ests = [sites(r, f, pp, strip) for r, f, pp in runs]
        tot = sum(sum(e.values()) for e in ests)
        hit = sum(v for e in ests for k, v in e.items() if k in ex)
        return ex, ests, (100.0 * hit / tot if tot else 100.0)

    exact, ests, matched = build(strip)
    reallocs = sites(er, eftbl, epps, strip, "hp_rs")
    rate = runs[0][0]["hp_sample"]["rate"]
    samples = sum(r["hp_sample"].get("samples", 0) for r, _, _ in runs) / len(runs)
    top = sorted(exact, key=lambda k: (-exact[k], k))[:10]
    erank = ranks(exact)
    mean = {}
    for e in ests:
        for k, v in e.items():
            mean[k] = mean.get(k, 0) + v / len(ests)
    mrank = ranks(mean)
    worst_all, worst_well, worst_well_mean, n_well = 0.0, 0.0, 0.0, 0
    labels = {}
    for k in top:
        n = sum(1 for j in labels.values() if j.startswith(label(k)))
        labels[k] = label(k) + (" #%d" % (n + 1) if n else "")
    for k in top:
        if reallocs.get(k):
            labels[k] += " (realloc'd)"
    for k in top:
        x = exact[k]
        errs = [100.0 * (e.get(k, 0) - x) / x for e in ests]
        em = 100.0 * (mean.get(k, 0) - x) / x
        w = max(abs(v) for v in errs)
        worst_all = max(worst_all, w)
        if x >= 100 * rate and not reallocs.get(k):
            n_well += 1
            worst_well = max(worst_well, w)
            worst_well_mean = max(worst_well_mean, abs(em))
        sigma = 100.0 * math.sqrt(rate / x)
        print(
            "| %s | %s | %d | %d | %+.1f | %.1f | %.1f | %d | %s |"
            % (
                name,
                labels[k].replace("|", "\\|"),
                x,
                round(mean.get(k, 0)),
                em,
                w,
                sigma,
                erank[k],
                mrank.get(k, "-"),
            )
        )
    plain = [k for k in top if not reallocs.get(k)]
    kept_all = sum(1 for e in ests if kept(top, exact, e, 10 * rate))
    kept_plain = sum(1 for e in ests if kept(plain, exact, e, 10 * rate))
    print(
        "SUMMARY|%s|%d|%d|%.0f|%d|%d|%s|%s|%.1f|%d/%d|%d/%d|%.1f%s"
        % (
            name,
            len(top),
            len(top) - len(plain),
            samples,
            len(ests),
            n_well,
            "%.1f" % worst_well_mean if n_well else "-",
            "%.1f" % worst_well if n_well else "-",
            worst_all,
            kept_all,
            len(ests),
            kept_plain,
            len(ests),
            matched,
            "" if strip else " (addresses kept)",
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
