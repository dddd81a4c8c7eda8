/**
 * The matrix as a plain-text table: one row per {filter, kernel, program}, what the filter saw
 * (usize, esize, fields), its verdict, the syscall's own outcome, and whether the cell is
 * fail-safe (with the unvetted fields when it is not).
 */
import type { Matrix } from './matrix.js';

/** Formats a matrix as an aligned text table followed by a one-line summary. */
export function formatMatrix(m: Matrix): string {
  const fieldNames = m.cells.length === 0 ? [] : Object.keys(m.cells[0]!.seen);
  const header = ['filter', 'kernel', 'program', 'usize', 'esize', ...fieldNames, 'verdict', 'jit', 'syscall', 'fail-safe'];
  const rows = m.cells.map((c) => [
    c.filter,
    c.kernel,
    c.program,
    String(c.usize),
    String(c.esize),
    ...fieldNames.map((f) => c.seen[f] ?? '-'),
    c.verdict,
    c.jitVerdict === null ? 'n/a' : c.jitVerdict === c.verdict ? '=' : c.jitVerdict,
    c.syscall,
    c.failSafe ? 'yes' : `NO (${c.unvetted.length > 0 ? `unvetted ${c.unvetted.join(',')}` : 'check violated'})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: readonly string[]): string => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const unsafe = m.cells.filter((c) => !c.failSafe).length;
  return [
    `${m.syscall}: guard ${m.guard}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    unsafe === 0 ? `every cell is fail-safe (${m.cells.length} cells)` : `${unsafe} of ${m.cells.length} cells are NOT fail-safe`,
    '',
  ].join('\n');
}
