/** Plain-text tables for the terminal. */

export type Cell = string | number | null | undefined;

export function fmt(v: Cell, digits?: number): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '–';
  if (typeof v === 'number') return digits === undefined ? String(v) : v.toFixed(digits);
  return v;
}

export function table(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>, indent = '  '): string {
  const cells = [headers.map((h) => h), ...rows.map((r) => r.map((c) => fmt(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number'));
  const line = (r: readonly string[]) =>
    indent + r.map((c, i) => (numeric[i] ? (c ?? '').padStart(widths[i]!) : (c ?? '').padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
