/**
 * Syscall name <-> number lookups over the generated tables. When one number has two names
 * (arm's sync_file_range2 and arm_sync_file_range), syscallName returns the first in the
 * table's (number, name) order.
 */
import { type ArchName, archInfo } from './arch.js';

interface Index {
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

const indexes = new Map<ArchName, Index>();

function indexOf(arch: string): Index {
  const info = archInfo(arch);
  let index = indexes.get(info.name);
  if (index === undefined) {
    const byName = new Map<string, number>();
    const byNumber = new Map<number, string>();
    for (const [name, nr] of Object.entries(info.syscalls)) {
      byName.set(name, nr);
      if (!byNumber.has(nr)) byNumber.set(nr, name);
    }
    index = { byName, byNumber };
    indexes.set(info.name, index);
  }
  return index;
}

/** Returns the number of syscall `name` on `arch` (x32 numbers include X32_SYSCALL_BIT), or undefined. */
export function syscallNumber(arch: string, name: string): number | undefined {
  return indexOf(arch).byName.get(name);
}

/** Returns the name of syscall number `nr` on `arch`, or undefined when the arch has no such call. */
export function syscallName(arch: string, nr: number): string | undefined {
  return indexOf(arch).byNumber.get(nr >>> 0);
}

/** Lists `[name, number]` for every syscall of `arch`, by number. */
export function syscallTable(arch: string): readonly (readonly [string, number])[] {
  return [...indexOf(arch).byName].sort((a, b) => a[1] - b[1]);
}
