/**
 * Syscall names for an AUDIT_ARCH value: x86_64 and x32 share AUDIT_ARCH_X86_64, and a number
 * with X32_SYSCALL_BIT belongs to x32 (archOfData in @ea/seccomp), so runs of numbers are split
 * where that label changes and named from the table of the arch it belongs to.
 */
import { ARCHES, type ArchName, archOfData, SYSCALL_ARCHES, syscallName, syscallTable } from '@ea/seccomp';

/** Where the arch label of a number can change on AUDIT_ARCH_X86_64 (X32_SYSCALL_BIT flips). */
export const LABEL_CUTS: readonly number[] = [0x40000000, 0x80000000, 0xc0000000];

const numbersByAudit = new Map<number, number[]>();

/** Returns the arch a number belongs to on this AUDIT_ARCH value, or null for a value we do not know. */
export function archLabel(audit: number, nr: number): ArchName | null {
  return archOfData(audit, nr)?.name ?? null;
}

/** Returns the named syscall numbers of every arch using this AUDIT_ARCH value that lie in [first, last]. */
export function syscallNumbersIn(audit: number, first: number, last: number): number[] {
  let sorted = numbersByAudit.get(audit);
  if (sorted === undefined) {
    const set = new Set<number>();
    for (const name of SYSCALL_ARCHES) {
      if (ARCHES[name].auditArch !== audit) continue;
      for (const [, nr] of syscallTable(name)) if (archLabel(audit, nr) === name) set.add(nr >>> 0);
    }
    sorted = [...set].sort((a, b) => a - b);
    numbersByAudit.set(audit, sorted);
  }
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < first) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < sorted.length && sorted[i]! <= last; i++) out.push(sorted[i]!);
  return out;
}

/** Returns the name of a number on this AUDIT_ARCH value, if its arch's table has one. */
export function nameOf(audit: number, nr: number): string | undefined {
  const arch = archLabel(audit, nr);
  return arch === null ? undefined : syscallName(arch, nr);
}

/** A piece of [first, last]: one named number, or a run of unnamed numbers with one label. */
export interface NamedPiece {
  readonly arch: ArchName | null;
  readonly nr: number;
  readonly to?: number;
  readonly name?: string;
}

/** Splits [first, last] into named numbers and runs of unnamed ones (split where the arch label changes). */
export function namedPieces(audit: number, first: number, last: number): NamedPiece[] {
  const out: NamedPiece[] = [];
  let next = first;
  const unnamed = (to: number) => {
    while (next <= to) {
      const cut = LABEL_CUTS.find((c) => c > next && c <= to);
      const end = cut === undefined ? to : cut - 1;
      out.push({ arch: archLabel(audit, next), nr: next, ...(end > next && { to: end }) });
      next = end + 1;
    }
  };
  for (const nr of syscallNumbersIn(audit, first, last)) {
    unnamed(nr - 1);
    const name = nameOf(audit, nr);
    out.push({ arch: archLabel(audit, nr), nr, ...(name !== undefined && { name }) });
    next = nr + 1;
  }
  unnamed(last);
  return out;
}
