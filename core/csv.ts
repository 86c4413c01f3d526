// CSV (RFC 4180) for the merchant's exports, guarded against formula injection: a spreadsheet
// runs a text cell that starts with = + - @ (or a tab or carriage return, which some strip
// first) as a formula, so such a cell is prefixed with an apostrophe. Numbers are written as
// numbers: -120 points is a value, not a formula, and stays summable.

export type CsvValue = string | number | bigint | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell: neutralised when it could run as a formula, quoted when it must be. */
export function textCell(value: string | null | undefined): string {
  if (value === null || value === undefined) return "";
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A number we computed (a count, points): written as is. */
export function numberCell(value: number | bigint | string | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a number: ${text}`);
  return text;
}

/** A line of cells already made by textCell/numberCell, CRLF-terminated as RFC 4180 asks. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.join(",")}\r\n`;
}

/** The header line: column names are ours, but go through textCell like any text. */
export function headerLine(columns: readonly string[]): string {
  return csvLine(columns.map(textCell));
}
