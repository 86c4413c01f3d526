// The one table the bench prints (pipe-separated, so it pastes into Markdown as is).
const COLUMNS = [
  ["path", (r) => r.path],
  ["req/s", (r) => num(r.rps, 0)],
  ["p50", (r) => ms(r.p50)],
  ["p95", (r) => ms(r.p95)],
  ["p99", (r) => ms(r.p99)],
  ["floor req/s", (r) => num(r.floorRps, 0)],
  ["ratio", (r) => num(r.ratio, 2)],
  ["budget", (r) => r.budget],
  ["pass/fail", (r) => r.result],
];

/** null prints blank; a string (e.g. "n/a") prints as is. */
function num(value, digits) {
  return value === null || value === undefined ? "" : typeof value === "string" ? value : value.toFixed(digits);
}

function ms(value) {
  return value === null || value === undefined ? "" : `${value.toFixed(1)} ms`;
}

export function formatTable(rows) {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((row) => COLUMNS.map(([, f]) => f(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => [...c[i]].length)));
  const right = new Set([1, 2, 3, 4, 5, 6]);
  const line = (c) =>
    `| ${c.map((v, i) => (right.has(i) ? v.padStart(widths[i] + v.length - [...v].length) : v.padEnd(widths[i] + v.length - [...v].length))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (right.has(i) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

/** A plain grid: first column left-aligned, the others right-aligned. */
export function formatGrid(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((v) => (v === null || v === undefined ? "" : String(v))));
  const widths = headers.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}
