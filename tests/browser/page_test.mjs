// page_test.mjs - heapview --html in a real browser (Debian's Chromium, headless, driven by
// Playwright): profiles examples/demo.c and tests/data/viewer/src/leaky.c under the library,
// writes their pages and checks them against numbers computed here from the reports themselves
// (never from the page's code): frames and widths of the flamegraph, zoom, metric totals,
// table order, the diff's colours, the timeline's peak (when the report has hp_timeline).
// Usage: node page_test.mjs            (env: HP_LIB, HP_PROGS, HEAPVIEW, PW_DIR, OUT_DIR)
//        node page_test.mjs --screenshot PNG   (the README's picture of the demo's page)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const env = (k) => {
  if (!process.env[k]) { console.error(`page_test: ${k} not set`); process.exit(2); }
  return process.env[k];
};
const HP_LIB = env('HP_LIB'), PROGS = env('HP_PROGS'), HEAPVIEW = env('HEAPVIEW');
const OUT = env('OUT_DIR'), PW_DIR = env('PW_DIR');
const { chromium } = createRequire(path.join(PW_DIR, 'x.js'))('playwright-core');

let failed = 0, passed = 0;
function check(ok, what) {
  if (ok) { passed++; console.log('  ok    ' + what); } else { failed++; console.log('  FAIL  ' + what); }
}
const near = (a, b, tol) => Math.abs(a - b) <= tol;

// ---- profiles ----
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
function profile(name, prog, args) {
  const dir = path.join(OUT, name);
  mkdirSync(dir);
  execFileSync('./' + prog, args, {
    cwd: PROGS, // the report's cmd reads "./demo"
    env: { ...process.env, LD_PRELOAD: HP_LIB, HEAPPROF_OUT: dir + '/heapprof.%p.json', HEAPPROF_QUIET: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const f = readdirSync(dir).filter((x) => x.endsWith('.json'));
  if (f.length !== 1) throw new Error(`${prog}: expected one report, found ${f.length}`);
  return path.join(dir, f[0]);
}
function html(out, ...args) {
  execFileSync(HEAPVIEW, ['--html', out, ...args], { stdio: 'inherit' });
  return out;
}

// The report read as the contract says (docs/report-format.md): pps[i].fs index ftbl, whose
// strings are "0xADDR: func (file:line)" or "0xADDR: func (in lib)".
function readReport(f) {
  const j = JSON.parse(readFileSync(f, 'utf8'));
  const func = (s) => s.replace(/^0x[0-9A-Fa-f]+: /, '').replace(/ \((in )?[^()]*\)$/, '');
  const sites = j.pps.map((p) => ({ ...p, funcs: p.fs.map((i) => func(j.ftbl[i])) }));
  const sum = (k, keep) => sites.filter(keep || (() => true)).reduce((a, s) => a + (s[k] || 0), 0);
  return { j, sites, sum };
}

// ---- the browser ----
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
async function open(file, width) {
  const page = await browser.newPage({ viewport: { width: width || 1200, height: 900 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push('console ' + m.type() + ': ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) problems.push('network request: ' + r.url()); });
  await page.route('**/*', (route) => (/^(file|data):/.test(route.request().url()) ? route.continue() : route.abort()));
  await page.goto('file://' + file);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 10000 });
  return { page, problems };
}

if (process.argv[2] === '--screenshot') {
  const png = process.argv[3];
  const rep = profile('shot', 'demo', []);
  const { page, problems } = await open(html(path.join(OUT, 'demo.html'), path.relative(process.cwd(), rep)), 1100);
  await page.locator('#sites tbody tr.site td.fn').nth(1).click(); // one expanded stack
  await page.screenshot({ path: png, fullPage: true });
  await browser.close();
  if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
  console.log('wrote ' + png);
  process.exit(0);
}

// ---- 1. the demo's page ----
console.log('demo (examples/demo.c)');
const demoRep = profile('demo', 'demo', []);
const R = readReport(demoRep);
const { page, problems } = await open(html(path.join(OUT, 'demo.html'), demoRep));
check(problems.length === 0, 'loads without a console error or a network request' + (problems.length ? ': ' + problems.join('; ') : ''));

const W = await page.locator('#flame').evaluate((e) => e.clientWidth);
async function node(name) {
  const l = page.locator(`#flame .n[data-name="${name}"]`);
  const n = await l.count();
  if (n !== 1) return { n };
  const box = await l.evaluate((e) => ({ w: parseFloat(e.style.width), v: +e.dataset.v, cls: e.className }));
  return { n, ...box, l };
}
// Expected: a function's box is the share of the metric of the sites whose stack holds it.
const TB = R.sum('tb');
const containing = (fn, k) => R.sum(k, (s) => s.funcs.includes(fn));
for (const fn of ['main', 'make_line', 'new_entry', 'grow']) {
  const want = containing(fn, 'tb'), got = await node(fn);
  check(got.n === 1 && got.v === want && near(got.w, W * want / TB, 0.5),
    `flamegraph frame ${fn}: ${want} of ${TB} bytes -> ${(W * want / TB).toFixed(1)} px of ${W} (page: ${got.v}, ${got.w} px)`);
}
const all = await node('all');
check(all.v === TB && near(all.w, W, 0.5), `root "all" = total bytes ${TB}, full width`);
const via = await node('via __strdup');
const strdupWant = R.sum('tb', (s) => s.funcs.includes('new_entry') && s.funcs.some((f) => /strdup/.test(f)));
check(via.n === 1 && via.v === strdupWant, `the strdup glue under new_entry is a "via" frame of ${strdupWant} bytes (page: ${via.v})`);

// click to zoom: make_line fills the width, its callers stay above as context
await page.locator('#flame .n[data-name="make_line"]').click();
const z = await node('make_line');
check(near(z.w, W, 0.5), `click on make_line zooms it to the full width (${z.w} px)`);
check((await node('main')).cls.includes('anc'), 'after the zoom, main is drawn as an ancestor');
await page.locator('#reset').click();
check(near((await node('make_line')).w, W * containing('make_line', 'tb') / TB, 0.5), 'reset zoom restores the widths');

// search highlights
await page.fill('#search', 'grow');
check(await page.locator('#flame .n.match').count() >= 1 && (await node('grow')).cls.includes('match') && !(await node('main')).cls.includes('match'),
  'search "grow" highlights grow and not main');
await page.fill('#search', '');

// metric switch: the shown total is the report's
const tuth = R.j.tuth;
const shortWant = R.sum('tbk', (s) => s.tbk > 0 && s.tl / s.tbk <= tuth);
const totals = { tb: TB, tbk: R.sum('tbk'), gb: R.sum('gb'), eb: R.sum('eb'), short: shortWant };
check(totals.gb === R.j.hp_gmax_bytes, `sum of gb equals hp_gmax_bytes (${totals.gb})`);
for (const [m, want] of Object.entries(totals)) {
  await page.selectOption('#metric', m);
  const got = +(await page.locator('#flame-total').getAttribute('data-v'));
  check(got === want, `metric ${m}: shown total ${got} = report's ${want}`);
}
await page.selectOption('#metric', 'tbk');
const mlw = await node('make_line');
check(mlw.v === containing('make_line', 'tbk') && near(mlw.w, W * containing('make_line', 'tbk') / totals.tbk, 0.5),
  `metric tbk: make_line is ${containing('make_line', 'tbk')} of ${totals.tbk} blocks wide`);

// the table sorts, by any --sort metric
const colVals = (m) => page.$$eval(`#sites thead th`, (ths, m) => {
  const k = ths.findIndex((t) => t.dataset.m === m);
  return [...document.querySelectorAll('#sites tbody tr.site')].map((tr) => +tr.children[k].dataset.v);
}, m);
await page.locator('#sites thead th[data-m="tbk"]').click();
let v = await colVals('tbk');
const maxTbk = Math.max(...R.sites.map((s) => s.tbk));
check(v.length === R.sites.length && v.every((x, i) => i === 0 || v[i - 1] >= x) && v[0] === maxTbk,
  `table sorted by tbk, descending, first ${maxTbk} (page: ${v.join(',')})`);
await page.locator('#sites thead th[data-m="tbk"]').click();
v = await colVals('tbk');
check(v.every((x, i) => i === 0 || v[i - 1] <= x), 'a second click sorts ascending');
await page.selectOption('#sort', { label: 'avg-life (avg-life)' });
v = await colVals('avg-life');
const lives = R.sites.map((s) => (s.tbk ? s.tl / s.tbk : 0)).sort((a, b) => b - a);
check(v.length === lives.length && v.every((x, i) => near(x, lives[i], 1e-6 * Math.max(1, lives[i]))),
  'sort by avg-life (a derived --sort metric) from the select: the report\'s tl/tbk, descending');
// a row expands to its full stack
await page.locator('#sites tbody tr.site td.fn').first().click();
const stack = await page.locator('#sites tbody tr.stack').textContent();
check(stack.includes('main') && stack.includes('\u2190 site'), 'a row expands to its full stack, the site marked');

// the timeline's maximum is the report's peak
if (R.j.hp_timeline) {
  const pk = await page.locator('#tl-peak').getAttribute('data-v').catch(() => null);
  check(+pk === R.j.hp_gmax_bytes, `timeline maximum ${pk} = report's peak ${R.j.hp_gmax_bytes}`);
} else {
  console.log('  skip  timeline maximum = peak: this report has no hp_timeline (the library does not write it yet)');
  check((await page.locator('#tl-note').textContent()).includes('No timeline'), 'without hp_timeline the page says so');
}
await page.close();

// ---- 2. a DHAT file: no timeline, same panels ----
console.log('DHAT file (tests/data/viewer/dhat-demo.json)');
{
  const d = readReport('tests/data/viewer/dhat-demo.json');
  const { page: p, problems: pr } = await open(html(path.join(OUT, 'dhat.html'), 'tests/data/viewer/dhat-demo.json'));
  check(pr.length === 0, 'loads without a console error or a network request' + (pr.length ? ': ' + pr.join('; ') : ''));
  check(+(await p.locator('#flame-total').getAttribute('data-v')) === d.sum('tb'), `total ${d.sum('tb')} bytes`);
  check((await p.locator('#tl-note').textContent()).includes('No timeline'), '"no timeline in this file"');
  check(await p.locator('#sampled').count() === 0, 'an exact report has no "sampled" badge');
  await p.close();
}

// ---- 2b. a sampled report (hp_sample; tests/data/viewer/README.md, "hand-sampled.json") ----
console.log('sampled report (tests/data/viewer/hand-sampled.json)');
{
  const d = readReport('tests/data/viewer/hand-sampled.json');
  const { page: p, problems: pr } = await open(html(path.join(OUT, 'sampled.html'), 'tests/data/viewer/hand-sampled.json'));
  check(pr.length === 0, 'loads without a console error or a network request' + (pr.length ? ': ' + pr.join('; ') : ''));
  const badge = p.locator('#sampled');
  check(await badge.isVisible(), 'the "sampled" badge is visible');
  const t = (await badge.textContent()) || '';
  check(t.includes('1 in ~512 KiB') && t.includes(d.j.hp_sample.samples + ' samples') && t.includes('estimates'),
    `badge says the rate (${d.j.hp_sample.rate} B), the samples and "estimates": "${t}"`);
  check(+(await p.locator('#flame-total').getAttribute('data-v')) === d.sum('tb'), `total ${d.sum('tb')} bytes (the estimates as they are)`);
  await p.close();
}

// ---- 3. the diff page: leaky 3 1000 -> leaky 5 2000 ----
// tests/data/viewer/README.md: churn 16000 -> 32000 B (grown), leak_one 300 -> 500 B (grown),
// make_peak 10000 -> 10000 B (unchanged).
console.log('diff (leaky -> leaky 5 2000)');
{
  const base = profile('base', 'leaky', []), cur = profile('new', 'leaky', ['5', '2000']);
  const { page: p, problems: pr } = await open(html(path.join(OUT, 'diff.html'), '--diff', base, cur));
  check(pr.length === 0, 'loads without a console error or a network request' + (pr.length ? ': ' + pr.join('; ') : ''));
  const rowClass = (fn) => p.locator('#sites tbody tr.site').filter({ has: p.locator(`span.name:text-is("${fn}")`) })
    .evaluate((tr) => tr.className);
  check((await rowClass('churn')).includes('grown'), 'table: churn (16000 -> 32000 B) is coloured grown');
  check((await rowClass('leak_one')).includes('grown'), 'table: leak_one (300 -> 500 B) is coloured grown');
  check((await rowClass('make_peak')).includes('same'), 'table: make_peak (10000 B both) is not coloured');
  const ch = await p.locator('#flame .n[data-name="churn"]').evaluate((e) => [e.dataset.change, getComputedStyle(e).backgroundColor]);
  const [r, g, b] = ch[1].match(/\d+/g).map(Number);
  check(ch[0] === 'grown' && r > g && r > b, `flamegraph: churn drawn as grown, in red (${ch[1]})`);
  check(+(await p.locator('#flame-total').getAttribute('data-v')) === 42500, 'total of the new report: 42500 B');
  await p.close();
}

await browser.close();
console.log(`page_test: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
