/* page.js - heapview --html: draws the panels of the page from the JSON in #hv-data (written by
 * viewer/out_html.c; its header describes the data). Inlined into every page; no network, no
 * library. Panels: header, heap over time (data.timeline), flamegraph (icicle) of the stacks,
 * distributions (per-site "hist"), table of sites. Diff pages: widths are the new report's,
 * colours the change (red grown, blue shrunk). */
'use strict';
(function () {
  const D = JSON.parse(document.getElementById('hv-data').textContent);
  const DIFF = D.kind === 'diff';
  const NRAW = D.hdr.tot.length;
  const M = {}; /* metric name -> index */
  D.metrics.forEach((m, i) => { M[m[0]] = i; });
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const SVGNS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  };

  /* ---- numbers ---- */
  const TU = D.hdr.tu;
  function fmtBytes(b) {
    const a = Math.abs(b), u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0, v = a;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    const s = i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0);
    return (b < 0 ? '-' : '') + s + ' ' + u[i];
  }
  const fmtCount = (n) => Math.round(n).toLocaleString('en-US');
  function fmtTime(t) {
    if (TU !== '\u00b5s' && TU !== 'us') return fmtCount(t) + ' ' + TU;
    const a = Math.abs(t);
    if (a < 1000) return t.toFixed(a < 10 && a !== Math.round(a) ? 1 : 0) + ' \u00b5s';
    if (a < 1e6) return (t / 1e3).toFixed(2) + ' ms';
    return (t / 1e6).toFixed(2) + ' s';
  }
  function fmt(m, v) {
    if (v === null || v === undefined) return '\u2013'; /* a percentile without a histogram */
    switch (D.metrics[m][2]) {
      case 'B': return fmtBytes(v);
      case 't': return fmtTime(v);
      case 'B/s': return fmtBytes(v) + '/s';
      case 'n/s': return fmtCount(v) + '/s';
      default: return fmtCount(v);
    }
  }
  const val = (s, m) => (m < NRAW ? s.v[m] : s.d[m - NRAW]);
  const bval = (s, m) => (!s.b ? 0 : m < NRAW ? s.b[m] : s.bd[m - NRAW]);

  /* ---- sites and frames ---- */
  const F = D.frames; /* [func, sym, flags: 1 system, 2 glue] */
  function userFrame(s) { return s.f.length ? F[s.f[s.u]] : null; }
  function siteName(s) {
    const f = userFrame(s);
    return f ? f[0] : '[root]';
  }
  function viaName(s) { return s.via >= 0 ? F[s.via][0] : null; }
  /* Flamegraph path, outermost first: system frames dropped (unless the stack has no other),
   * then a "via" node for the glue the first user frame called. */
  function sitePath(s) {
    if (s.path) return s.path;
    const fs = s.f, any = fs.some((i) => !(F[i][2] & 1)), p = [];
    for (let k = fs.length - 1; k >= 0; k--) {
      if (any && (F[fs[k]][2] & 1)) continue;
      p.push({ name: F[fs[k]][0], sym: F[fs[k]][1], glue: false });
    }
    if (!p.length) p.push({ name: '[root]', sym: '[root]', glue: false });
    if (s.via >= 0) p.push({ name: 'via ' + F[s.via][0], sym: F[s.via][1], glue: true });
    return (s.path = p);
  }

  /* ---- header ---- */
  function header() {
    const h = D.hdr, b = D.bhdr;
    $('title').textContent = (DIFF ? 'heapview diff: ' : 'heapview: ') + (h.cmd || D.file);
    const facts = $('facts');
    const add = (k, v, id, wide) => {
      const d = el('div', wide ? { class: 'wide' } : {});
      d.append(el('dt', {}, k), el('dd', id ? { id } : {}, v));
      facts.append(d);
    };
    /* Sampled (hp_sample, on either side of a diff): a badge, every number is an estimate. */
    const smp = (x) => (x.sample.rate ? '1 in ~' + fmtBytes(x.sample.rate) : 'mixed rates') +
      ' (' + fmtCount(x.sample.samples) + ' samples)';
    if (h.sample || (DIFF && b.sample)) {
      const how = DIFF ? 'base ' + (b.sample ? smp(b) : 'exact') + ', new ' + (h.sample ? smp(h) : 'exact')
        : smp(h);
      const badge = el('div', { id: 'sampled', class: 'badge', title: 'a sampled report: every count is an ' +
        'estimate; blocks live at exit are not a leak verdict (that needs exact mode)' },
        '\u2248 sampled ' + how + ': numbers are estimates');
      $('title').after(badge);
    }
    const both = (m, f) => (DIFF ? f(b.tot[m]) + ' \u2192 ' + f(h.tot[m]) : f(h.tot[m]));
    add('file', D.file, undefined, true);
    if (!DIFF) add('pid', String(h.pid));
    add('written by', h.writer + (h.complete ? '' : ' (incomplete)'));
    add('run time', DIFF ? fmtTime(b.te) + ' \u2192 ' + fmtTime(h.te) : fmtTime(h.te));
    add('allocated', both(M.tb, fmtBytes), 'h-tb');
    add('blocks', both(M.tbk, fmtCount), 'h-tbk');
    add('peak', both(M.gb, fmtBytes) + (DIFF ? '' : ' at ' + fmtTime(h.tg)), 'h-gb');
    add('at exit', both(M.eb, fmtBytes) + ' in ' + both(M.ebk, fmtCount) + ' blocks', 'h-eb');
    add('sites', DIFF ? b.nsites + ' \u2192 ' + h.nsites : String(h.nsites));
    const lc = $('lc');
    if (h.lc) {
      lc.append(el('strong', {}, 'leak check (' + h.lc.mode + '): '));
      for (const c of ['definite', 'indirect', 'reachable', 'suppressed', 'unreadable']) {
        const [by, bk] = h.lc[c];
        if (c === 'suppressed' || c === 'unreadable') { if (!by && !bk) continue; }
        lc.append(el('span', { class: c }, c + ' ' + fmtBytes(by) + ' in ' + fmtCount(bk) + ' blocks'));
      }
      if (h.lc.no_verdict) lc.append(el('span', {}, 'no verdict: ' + h.lc.no_verdict));
    }
    for (const e of h.errors) lc.append(el('div', { class: 'note' }, 'report error: ' + e));
  }

  /* ---- tooltip ---- */
  const tip = $('tip');
  function showTip(ev, text) {
    tip.textContent = text;
    tip.hidden = false;
    const x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 4);
    const y = ev.clientY + 16 + tip.offsetHeight > window.innerHeight ? ev.clientY - tip.offsetHeight - 8 : ev.clientY + 16;
    tip.style.left = Math.max(0, x) + 'px';
    tip.style.top = Math.max(0, y) + 'px';
  }
  const hideTip = () => { tip.hidden = true; };

  /* ---- heap over time ---- */
  const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
    '#9c755f', '#bab0ac', '#86bcb6', '#d37295', '#a0cbe8', '#ffbe7d', '#8cd17d', '#f1ce63'];
  function timeline() {
    const T = D.timeline, box = $('timeline');
    if (!T || !T.t || !T.t.length) {
      $('tl-note').textContent = 'No timeline in this file (' +
        (D.hdr.writer === 'heapprof' ? 'a report without hp_timeline' : 'written by ' + D.hdr.writer) +
        '): only the totals above are known.';
      return;
    }
    const W = Math.max(300, box.clientWidth || 800), H = 220, L = 64, R = 10, TOP = 18, BOT = 22;
    const n = T.t.length, t0 = 0, t1 = Math.max(T.t[n - 1], 1);
    let bmax = 0, imax = 0;
    for (let i = 0; i < n; i++) if (T.b[i] > bmax) { bmax = T.b[i]; imax = i; }
    const X = (t) => L + (t - t0) / (t1 - t0) * (W - L - R);
    const Y = (b) => TOP + (1 - b / (bmax || 1)) * (H - TOP - BOT);
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none' });
    const sites = T.sites || [];
    const acc = new Float64Array(n);
    sites.forEach((ts, k) => {
      let top = '', bot = '';
      for (let i = 0; i < n; i++) {
        const y0 = acc[i];
        acc[i] += ts.b[i];
        top += (i ? 'L' : 'M') + X(T.t[i]).toFixed(1) + ',' + Y(acc[i]).toFixed(1);
        bot = 'L' + X(T.t[i]).toFixed(1) + ',' + Y(y0).toFixed(1) + bot;
      }
      s.append(svg('path', { d: top + bot + 'Z', fill: COLORS[k % COLORS.length], 'fill-opacity': 0.75, class: 'area' }));
    });
    let d = '';
    for (let i = 0; i < n; i++) d += (i ? 'L' : 'M') + X(T.t[i]).toFixed(1) + ',' + Y(T.b[i]).toFixed(1);
    s.append(svg('path', { d, class: 'total' }));
    s.append(svg('line', { x1: L, x2: L, y1: TOP, y2: H - BOT, class: 'axis' }));
    s.append(svg('line', { x1: L, x2: W - R, y1: H - BOT, y2: H - BOT, class: 'axis' }));
    const lab = (x, y, t, a) => { const e = svg('text', { x, y, 'text-anchor': a || 'start' }); e.textContent = t; s.append(e); };
    lab(L - 4, Y(bmax) + 4, fmtBytes(bmax), 'end');
    lab(L - 4, H - BOT, '0', 'end');
    lab(L, H - 6, fmtTime(t0));
    lab(W - R, H - 6, fmtTime(t1), 'end');
    const pk = svg('circle', { cx: X(T.t[imax]), cy: Y(bmax), r: 4, class: 'peak', id: 'tl-peak', 'data-v': bmax, 'data-t': T.t[imax] });
    s.append(pk);
    lab(Math.min(X(T.t[imax]) + 6, W - 160), TOP - 6, 'peak ' + fmtBytes(bmax) + ' at ' + fmtTime(T.t[imax]));
    const cur = svg('line', { y1: TOP, y2: H - BOT, class: 'cursor', visibility: 'hidden' });
    s.append(cur);
    s.addEventListener('mousemove', (ev) => {
      const r = s.getBoundingClientRect(), x = (ev.clientX - r.left) / r.width * W;
      const t = t0 + (x - L) / (W - L - R) * (t1 - t0);
      let lo = 0, hi = n - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (T.t[mid] < t) lo = mid + 1; else hi = mid; }
      if (lo > 0 && Math.abs(T.t[lo - 1] - t) < Math.abs(T.t[lo] - t)) lo--;
      cur.setAttribute('x1', X(T.t[lo])); cur.setAttribute('x2', X(T.t[lo]));
      cur.setAttribute('visibility', 'visible');
      let txt = fmtTime(T.t[lo]) + '\nlive ' + fmtBytes(T.b[lo]) + (T.bk ? ' in ' + fmtCount(T.bk[lo]) + ' blocks' : '');
      let rest = T.b[lo];
      for (let k = sites.length - 1; k >= 0; k--) {
        const st = D.sites[sites[k].s];
        txt += '\n  ' + (st ? siteName(st) : 'site ' + sites[k].s) + ': ' + fmtBytes(sites[k].b[lo]);
      }
      for (const ts of sites) rest -= ts.b[lo];
      if (sites.length) txt += '\n  rest: ' + fmtBytes(rest);
      showTip(ev, txt);
    });
    s.addEventListener('mouseleave', () => { cur.setAttribute('visibility', 'hidden'); hideTip(); });
    box.append(s);
    const legend = el('div', { class: 'note' });
    sites.forEach((ts, k) => {
      const st = D.sites[ts.s];
      const sw = el('span', { style: 'display:inline-block;width:10px;height:10px;margin:0 3px 0 10px;background:' + COLORS[k % COLORS.length] });
      legend.append(sw, document.createTextNode(st ? siteName(st) : 'site ' + ts.s));
    });
    box.append(legend);
    $('tl-note').textContent = n + ' points; each is the maximum of its interval, so the peak is on the curve.';
  }

  /* ---- flamegraph (icicle: callers on top) ---- */
  const FLAME = [['tb', 'bytes allocated'], ['tbk', 'blocks allocated'], ['gb', 'live at the peak'],
    ['eb', 'live at exit']];
  if (D.hdr.lc) FLAME.push(['db', 'definitely lost'], ['ib', 'indirectly lost']);
  FLAME.push(['short', 'short-lived (blocks)']);
  const ROWH = 18;
  let metric = 'tb', tree = null, zoom = null;
  function flameVal(s, base) {
    if (metric === 'short') return base ? (s.bsl ? s.b[M.tbk] : 0) : (s.sl ? s.v[M.tbk] : 0);
    return base ? bval(s, M[metric]) : val(s, M[metric]);
  }
  const AGG = ['tb', 'tbk', 'gb', 'eb', 'db', 'ib', 'short']; /* out_html.c: put_agg */
  const NOTHER = D.agg.reduce((a, x) => a + x.n, 0);
  function node(name, sym, parent) {
    return { name, sym, v: 0, bv: 0, kids: new Map(), parent, depth: parent ? parent.depth + 1 : 0, glue: false };
  }
  function build() {
    const root = node('all', 'all sites', null);
    for (const s of D.sites) {
      const v = flameVal(s, false), bv = DIFF ? flameVal(s, true) : 0;
      if (!v && !bv) continue;
      root.v += v; root.bv += bv;
      let n = root;
      for (const p of sitePath(s)) {
        let k = n.kids.get(p.name);
        if (!k) { k = node(p.name, p.sym, n); k.glue = p.glue; n.kids.set(p.name, k); }
        k.v += v; k.bv += bv;
        n = k;
      }
    }
    /* sites too narrow to draw, summed under the widest caller they share */
    const ai = AGG.indexOf(metric);
    for (const x of D.agg) {
      const v = x.v[ai], bv = DIFF ? x.b[ai] : 0;
      if (!v && !bv) continue;
      root.v += v; root.bv += bv;
      let n = root;
      for (const id of x.p) {
        if (n !== root) { n.v += v; n.bv += bv; }
        let k = n.kids.get(F[id][0]);
        if (!k) { k = node(F[id][0], F[id][1], n); n.kids.set(F[id][0], k); }
        n = k;
      }
      if (n !== root) { n.v += v; n.bv += bv; }
      const name = '[' + x.n + ' smaller site' + (x.n === 1 ? '' : 's') + ']';
      let k = n.kids.get(name);
      if (!k) { k = node(name, 'sites too narrow to draw, summed', n); k.other = true; n.kids.set(name, k); }
      k.v += v; k.bv += bv;
    }
    return root;
  }
  function hue(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return h;
  }
  function color(n) {
    if (DIFF) {
      const d = n.v - n.bv, rel = Math.min(1, Math.abs(d) / Math.max(n.v, n.bv, 1));
      if (d === 0) return 'rgb(220,220,220)';
      const k = Math.round(230 - 150 * rel);
      return d > 0 ? 'rgb(255,' + k + ',' + k + ')' : 'rgb(' + k + ',' + k + ',255)';
    }
    if (n.glue) return 'rgb(200,200,200)';
    const h = hue(n.name);
    return 'rgb(' + (205 + h % 50) + ',' + (80 + (h >> 8) % 130) + ',' + (40 + (h >> 16) % 50) + ')';
  }
  function tipText(n) {
    const m = metric === 'short' ? M.tbk : M[metric], tot = tree.v || 1;
    let t = n.name + (n.sym && n.sym !== n.name ? '\n' + n.sym : '') + '\n' + fmt(m, n.v) + ' (' +
      (100 * n.v / tot).toFixed(2) + '% of all' + (n.parent ? ', ' + (100 * n.v / (n.parent.v || 1)).toFixed(1) + '% of ' + n.parent.name : '') + ')';
    if (DIFF) t += '\nbase ' + fmt(m, n.bv) + ', change ' + (n.v >= n.bv ? '+' : '') + fmt(m, n.v - n.bv);
    return t;
  }
  function draw() {
    const box = $('flame');
    box.textContent = '';
    const W = box.clientWidth || 1000;
    let maxDepth = 0;
    const put = (n, x, w, anc) => {
      const e = el('div', { class: 'n' + (anc ? ' anc' : '') + (n.glue ? ' glue' : '') + (n.other ? ' other' : ''), 'data-name': n.name, 'data-v': n.v });
      e.style.left = x + 'px';
      e.style.top = n.depth * ROWH + 'px';
      e.style.width = w + 'px';
      e.style.background = color(n);
      if (DIFF) e.setAttribute('data-change', n.v > n.bv ? 'grown' : n.v < n.bv ? 'shrunk' : 'same');
      e.textContent = w > 24 ? n.name : '';
      e._n = n;
      box.append(e);
      if (n.depth > maxDepth) maxDepth = n.depth;
    };
    for (let a = zoom.parent; a; a = a.parent) put(a, 0, W, true);
    const rec = (n, x, w) => {
      put(n, x, w, false);
      let cx = x;
      const kids = [...n.kids.values()].sort((a, b) => b.v - a.v || (a.name < b.name ? -1 : 1));
      for (const k of kids) {
        const kw = n.v ? k.v / n.v * w : 0;
        if (kw >= 1) rec(k, cx, kw); /* narrower than a pixel: not drawn */
        cx += kw;
      }
    };
    rec(zoom, 0, W);
    box.style.height = (maxDepth + 1) * ROWH + 'px';
    mark();
  }
  function mark() {
    const q = $('search').value.trim().toLowerCase();
    let sum = 0;
    const walk = (n, inside) => {
      const hit = q !== '' && n.name.toLowerCase().includes(q);
      if (hit && !inside) sum += n.v;
      for (const k of n.kids.values()) walk(k, inside || hit);
    };
    walk(tree, false);
    for (const e of $('flame').children) e.classList.toggle('match', q !== '' && e._n.name.toLowerCase().includes(q));
    $('match').textContent = q ? 'matched: ' + fmt(metric === 'short' ? M.tbk : M[metric], sum) + ' (' + (100 * sum / (tree.v || 1)).toFixed(2) + '%)' : '';
  }
  function setMetric(m) {
    metric = m;
    tree = build();
    zoom = tree;
    const fm = metric === 'short' ? M.tbk : M[metric];
    const ft = $('flame-total');
    ft.textContent = 'total: ' + fmt(fm, tree.v) + (DIFF ? ' (base ' + fmt(fm, tree.bv) + ')' : '');
    ft.setAttribute('data-v', tree.v);
    ft.setAttribute('data-metric', metric);
    $('flame-note').textContent = tree.v ? '' : 'Nothing to draw for this metric.';
    draw();
  }
  function flame() {
    const sel = $('metric');
    for (const [k, label] of FLAME) sel.append(el('option', { value: k }, label));
    sel.addEventListener('change', () => setMetric(sel.value));
    $('search').addEventListener('input', mark);
    $('reset').addEventListener('click', () => { zoom = tree; draw(); });
    const box = $('flame');
    box.addEventListener('click', (ev) => {
      const e = ev.target.closest('.n');
      if (!e) return;
      zoom = e._n === zoom && zoom.parent ? zoom.parent : e._n;
      draw();
    });
    box.addEventListener('mousemove', (ev) => {
      const e = ev.target.closest('.n');
      if (e) showTip(ev, tipText(e._n)); else hideTip();
    });
    box.addEventListener('mouseleave', hideTip);
    window.addEventListener('resize', () => draw());
    setMetric('tb');
  }

  /* ---- distributions (per-site "hist": log2 buckets) ---- */
  function pct(c, p) {
    let tot = 0;
    for (const x of c) tot += x;
    if (!tot) return null;
    let acc = 0;
    for (let i = 0; i < c.length; i++) { acc += c[i]; if (acc >= p * tot) return Math.pow(2, i + 1); }
    return Math.pow(2, c.length);
  }
  function histBox(title, c, unit) {
    const d = el('div', { class: 'hist' });
    const f = unit === 'B' ? fmtBytes : fmtTime;
    const p50 = pct(c, 0.5), p99 = pct(c, 0.99);
    d.append(el('div', {}, title + (p50 === null ? ': none' : ': p50 < ' + f(p50) + ', p99 < ' + f(p99))));
    if (p50 === null) return d;
    const w = 8, H = 60, mx = Math.max(...c), s = svg('svg', { width: c.length * w + 2, height: H + 12 });
    c.forEach((x, i) => {
      const h = x ? Math.max(1, x / mx * H) : 0;
      const r = svg('rect', { x: i * w + 1, y: H - h, width: w - 1, height: h });
      const t = svg('title');
      t.textContent = '[' + f(i ? Math.pow(2, i) : 0) + ', ' + f(Math.pow(2, i + 1)) + '): ' + fmtCount(x) + ' blocks';
      r.append(t);
      s.append(r);
    });
    d.append(s);
    return d;
  }
  function sumHist(key) {
    const out = [];
    for (const s of D.sites)
      if (s.hist && s.hist[key]) s.hist[key].forEach((x, i) => { out[i] = (out[i] || 0) + x; });
    return out.map((x) => x || 0);
  }
  function distributions() {
    const all = D.hist || (D.sites.some((s) => s.hist) ? { size: sumHist('size'), life: sumHist('life') } : null);
    if (!all) return;
    $('dist-panel').hidden = false;
    $('dist').append(histBox('block sizes', all.size || [], 'B'), histBox('lifetimes (blocks freed before exit)', all.life || [], 't'));
  }

  /* ---- table of sites ---- */
  const LIMIT = 200;
  let sortM = DIFF ? M.tb : M.tb, asc = false, showAll = false;
  function columns() {
    const c = ['tb', 'tbk', 'gb', 'eb', 'mb', 'avg-size', 'avg-life'];
    if (D.hdr.writer === 'heapprof') c.push('rs');
    if (D.hdr.lc) c.push('db', 'ib');
    if (D.sites.some((s) => s.hist)) c.push('size50', 'life50', 'life99'); /* hp_hist percentiles */
    const idx = c.filter((n) => n in M).map((n) => M[n]);
    if (!idx.includes(sortM)) idx.push(sortM);
    return idx;
  }
  const rowVal = (s, m) => (DIFF ? val(s, m) - bval(s, m) : val(s, m));
  const num = (x) => (x === null || x === undefined ? -Infinity : x);
  function table() {
    const sel = $('sort');
    D.metrics.forEach((m, i) => sel.append(el('option', { value: i }, m[0] + ' (' + m[1] + ')')));
    sel.value = sortM;
    sel.addEventListener('change', () => { sortM = +sel.value; asc = false; render(); });
    $('filter').addEventListener('input', render);
    $('more').addEventListener('click', () => { showAll = true; render(); });
    render();
  }
  function stackRow(s, span) {
    const tr = el('tr', { class: 'stack' }), td = el('td', { colspan: span });
    const fu = s.u;
    s.f.forEach((fi, i) => {
      const fr = F[fi], sys = fr[2] & 1;
      const line = el('div', sys ? { class: 'sys' } : {});
      line.textContent = '#' + i + ' ' + fr[1] + (sys ? (fr[2] & 2 ? '  (allocator glue)' : '  (runtime)') : '') +
        (i === fu && s.via >= 0 ? '  \u2190 site, via ' + F[s.via][0] : i === fu ? '  \u2190 site' : '');
      td.append(line);
    });
    if (!s.f.length) td.append(el('div', {}, '[root]'));
    if (s.hist) {
      const h = el('div');
      if (s.hist.size) h.append(histBox('sizes', s.hist.size, 'B'));
      if (s.hist.life) h.append(histBox('lifetimes', s.hist.life, 't'));
      td.append(h);
    }
    tr.append(td);
    return tr;
  }
  function render() {
    const cols = columns(), thead = $('sites').tHead, tbody = $('sites').tBodies[0];
    thead.textContent = ''; tbody.textContent = '';
    const hr = el('tr');
    hr.append(el('th', { class: 'fn' }, 'site (first user frame)'));
    for (const m of cols) {
      const th = el('th', { 'data-m': D.metrics[m][0], class: m === sortM ? 'sorted' : '', title: D.metrics[m][0] }, (DIFF ? '\u0394 ' : '') + D.metrics[m][1]);
      th.addEventListener('click', () => { if (sortM === m) asc = !asc; else { sortM = m; asc = false; } $('sort').value = m; render(); });
      hr.append(th);
    }
    thead.append(hr);
    const q = $('filter').value.trim().toLowerCase();
    let rows = D.sites.filter((s) => !q || s.f.some((fi) => F[fi][1].toLowerCase().includes(q)));
    rows.sort((a, b) => {
      const x = num(rowVal(a, sortM)), y = num(rowVal(b, sortM));
      return (x === y ? 0 : (asc ? 1 : -1) * (x < y ? -1 : 1)) || (b.v[M.tb] - a.v[M.tb]);
    });
    const n = rows.length;
    if (!showAll && n > LIMIT) rows = rows.slice(0, LIMIT);
    for (const s of rows) {
      const tr = el('tr', { class: 'site' });
      if (DIFF) {
        const d = val(s, sortM) - bval(s, sortM);
        tr.classList.add(d > 0 ? 'grown' : d < 0 ? 'shrunk' : 'same');
      }
      const fn = el('td', { class: 'fn' });
      const uf = userFrame(s);
      fn.append(el('span', { class: 'name' }, siteName(s)));
      if (viaName(s)) fn.append(el('span', { class: 'via' }, ' via ' + viaName(s)));
      if (uf && uf[1] !== uf[0]) fn.append(el('div', { class: 'via' }, uf[1]));
      fn.title = 'click: the full stack';
      fn.addEventListener('click', () => {
        const nx = tr.nextSibling;
        if (nx && nx.classList.contains('stack')) nx.remove(); else tr.after(stackRow(s, cols.length + 1));
      });
      tr.append(fn);
      for (const m of cols) {
        const v = rowVal(s, m);
        const td = el('td', { 'data-v': v }, (DIFF && v > 0 ? '+' : '') + fmt(m, v));
        if (DIFF) {
          td.className = v > 0 ? 'grown' : v < 0 ? 'shrunk' : '';
          td.title = 'base ' + fmt(m, bval(s, m)) + ', new ' + fmt(m, val(s, m));
        }
        tr.append(td);
      }
      tbody.append(tr);
    }
    $('more').hidden = showAll || n <= LIMIT;
    $('table-note').textContent = n + ' sites shown' + (NOTHER ? '; ' + NOTHER + ' smaller sites not listed (summed in the flamegraph)' : '') +
      (n > rows.length ? '; first ' + rows.length + ' rows' : '');
  }

  header();
  timeline();
  flame();
  distributions();
  table();
  document.body.setAttribute('data-ready', '1');
})();
