/**
 * Drives c/copy_struct.c: calls openat2, clone3, sched_setattr, mount_setattr, perf_event_open
 * and landlock_create_ruleset on the
 * running kernel with crafted struct sizes, contents and guard pages, and reports what
 * each call returned, so @ea/layout's copy_struct_from_user model can be checked.
 */
import { execFileSync } from 'node:child_process';
import { buildHelper } from './build.js';

/** Names a syscall the copy_struct oracle helper can drive. */
export type CopyOracleSyscall =
  | 'openat2'
  | 'clone3'
  | 'sched_setattr'
  | 'mount_setattr'
  | 'perf_event_open'
  | 'landlock_create_ruleset';

/** One call: the struct sits `back` bytes before an unmapped guard page (back <= 8192). */
export interface CopyCase {
  readonly sys: CopyOracleSyscall;
  readonly back: number;
  /** The size argument (ignored for sched_setattr, whose size is the struct's first u32). */
  readonly usize: bigint;
  /** mount_setattr's flags argument. */
  readonly xflags?: number;
  /** Bytes at struct offsets (those at offsets >= back are not written: they are unmapped). */
  readonly bytes?: readonly (readonly [offset: number, value: number])[];
  /** u64 values at struct offsets. */
  readonly u64s?: readonly (readonly [offset: number, value: bigint])[];
  /** u64 pointers at struct offsets, as offsets into the two mapped pages (8192 = the guard). */
  readonly pointers?: readonly (readonly [offset: number, rel: number])[];
  /** u32 values at offsets into the two mapped pages (e.g. a set_tid array). */
  readonly words?: readonly (readonly [rel: number, value: number])[];
  /** Pass NULL as the struct pointer (the contents above are then not reachable). */
  readonly nullPointer?: boolean;
}

/** What the kernel did: the return value ('child' for a clone3 that created a process). */
export interface CopyObservation {
  readonly ret: number | 'child';
  readonly errno: number;
  /** The struct's first u32 after the call (sched_setattr's size write-back), -1 if unmapped. */
  readonly after: number;
  /** The struct's second u32 after the call (perf_event_open's size write-back), -1 if unmapped. */
  readonly after4: number;
}

/** The helper's memory: two mapped pages then the guard page. */
export const COPY_ORACLE_MAPPED = 8192;

function caseLine(c: CopyCase): string {
  const t: string[] = [c.sys, String(c.back), BigInt.asUintN(64, c.usize).toString(), String(c.xflags ?? 0)];
  for (const [o, v] of c.bytes ?? []) t.push(`B:${o}:${v & 0xff}`);
  for (const [o, v] of c.u64s ?? []) t.push(`Q:${o}:${BigInt.asUintN(64, v)}`);
  for (const [o, r] of c.pointers ?? []) t.push(`P:${o}:${r}`);
  for (const [r, v] of c.words ?? []) t.push(`M:${r}:${v >>> 0}`);
  if (c.nullPointer === true) t.push('N:0:0');
  return t.join(' ');
}

/** Runs every case in one helper process and returns one observation per case. */
export function runCopyStructOracle(cases: readonly CopyCase[]): CopyObservation[] {
  for (const c of cases) {
    if (!Number.isInteger(c.back) || c.back < 0 || c.back > COPY_ORACLE_MAPPED) throw new RangeError(`back ${c.back}`);
  }
  const binary = buildHelper('copy_struct');
  const input = `${cases.map(caseLine).join('\n')}\n`;
  const out = execFileSync(binary, [], { input, maxBuffer: 1 << 26 }).toString();
  const rows = out.split('\n').filter((l) => l !== '');
  if (rows.length !== cases.length) throw new Error(`copy_struct answered ${rows.length} of ${cases.length} cases`);
  return rows.map((row) => {
    const [ret, errno, after, after4] = row.split(' ');
    if (ret === 'bad-line' || ret === 'bad-sys') throw new Error(`copy_struct refused a case: ${row}`);
    return { ret: ret === 'child' ? 'child' : Number(ret), errno: Number(errno), after: Number(after), after4: Number(after4) };
  });
}
