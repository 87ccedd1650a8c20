// dhview_check.js - does Valgrind's own dh_view.js accept a report? Runs the viewer's code
// unchanged in node with a minimal DOM (only what dh_view.js touches), loads the file the way
// its "Load..." button does (JSON.parse, buildTree, displayTree) and checks that no error was
// shown and that the rendered totals are the report's.
// Usage: node dhview_check.js /usr/libexec/valgrind/dh_view.js REPORT.json
"use strict";
const fs = require("fs");
const vm = require("vm");

class Node_ {
  constructor(tag, text) {
    this.tagName = tag; this.childNodes = []; this.className = "";
    this._text = text || ""; this.style = {}; this.selectedIndex = 0;
    const self = this;
    this.classList = {
      add(c) { self.className += " " + c; }, remove() {}, toggle() {},
      contains(c) { return self.className.split(/\s+/).includes(c); },
    };
  }
  appendChild(c) { this.childNodes.push(c); c.parentNode = this; return c; }
  removeChild(c) { this.childNodes = this.childNodes.filter((x) => x !== c); return c; }
  get firstChild() { return this.childNodes[0] || null; }
  get lastChild() { return this.childNodes[this.childNodes.length - 1] || null; }
  set textContent(t) { this.childNodes = []; this._text = String(t); }
  get textContent() { return this._text + this.childNodes.map((c) => c.textContent).join(""); }
  set innerHTML(t) { this.textContent = t; }
  cloneNode() { const n = new Node_(this.tagName); n.className = this.className; return n; }
  replaceChild(n, old) {
    this.childNodes = this.childNodes.map((x) => (x === old ? n : x));
    n.parentNode = this;
    return old;
  }
  addEventListener() {}
  setAttribute() {}
}

const [jsPath, reportPath] = process.argv.slice(2);
const body = new Node_("body");
const document = {
  body, title: "", location: { search: "" },
  createElement: (t) => new Node_(t),
  createTextNode: (t) => new Node_("#text", t),
  getElementById: () => null,
};
const ctx = vm.createContext({ document, window: {}, console, performance, Intl, URLSearchParams,
                               Math, JSON, Error, Infinity, Number, String, Object, Array, Map,
                               Set });
vm.runInContext(fs.readFileSync(jsPath, "utf8") +
  `\nonLoad();
   gFilename = "report";
   gData = JSON.parse(__text);
   buildTree();
   displayTree(0, 0, 0);
   __out.main = gMainDiv.textContent;
   __out.error = JSON.stringify(gMainDiv.childNodes.map((c) => c.className));`,
  Object.assign(ctx, { __text: fs.readFileSync(reportPath, "utf8"), __out: {} }));
const out = ctx.__out;
if (/error/.test(out.error) || /Error/.test(out.main.slice(0, 200))) {
  console.log("dh_view.js rejected the report: " + out.main.slice(0, 300));
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(reportPath, "utf8"));
const tb = r.pps.reduce((a, p) => a + p.tb, 0);
const fmt = new Intl.NumberFormat().format(tb);
if (!out.main.includes("Total:") || !out.main.includes(fmt + " bytes")) {
  console.log("dh_view.js did not show the total of " + fmt + " bytes:\n" + out.main.slice(0, 600));
  process.exit(1);
}
console.log("ok: dh_view.js shows " + fmt + " bytes in " + r.pps.length + " program points");
