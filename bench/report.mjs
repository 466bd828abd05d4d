// Combine the JSON lines of the three harnesses into one table of ratios (markdown).
// Usage: node bench/report.mjs native.jsonl wasm.jsonl numpy.jsonl
import { readFileSync } from 'node:fs';

const read = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const [native, wasm, numpy] = process.argv.slice(2).map(read);
const byName = (rows) => Object.fromEntries(rows.map((r) => [r.name, r]));
const [n, w, p] = [native, wasm, numpy].map(byName);
const fmt = (ms) => (ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(1)} ms`);
const mbs = (r) => (r?.bytes ? `${(r.bytes / 1e6 / (r.ms / 1000)).toFixed(0)} MB/s` : '');

console.log('| workload | native | in the tab (wasm) | numpy, 1 thread | native / numpy | tab / numpy |');
console.log('| --- | --- | --- | --- | --- | --- |');
let copy = {};
for (const name of Object.keys({ ...n, ...w })) {
  if (name.startsWith('copy')) { copy = { n: n[name], w: w[name] }; continue; }
  // "relative … anchors, 2 workers" (the tab's pool) is held against numpy's "relative … anchors".
  const [a, b, c] = [n[name], w[name], p[name] ?? p[name.split(', ')[0]]];
  const ratio = (x) => (x && c ? `${(x.ms / c.ms).toFixed(2)}×` : '—');
  let extra = '';
  if (a?.bytes) {
    extra = ` (native ${mbs(a)}, ${(a.ms / copy.n.ms).toFixed(1)}× a copy; tab ${mbs(b)}, ${b ? (b.ms / copy.w.ms).toFixed(1) : '—'}× a copy)`;
  }
  console.log(`| ${name}${extra} | ${fmt(a?.ms)} | ${fmt(b?.ms)} | ${fmt(c?.ms)} | ${ratio(a)} | ${ratio(b)} |`);
}
