/**
 * The kernel verifier's verdict on eBPF programs, through the C helper verify_ebpf
 * (BPF_PROG_LOAD with fresh maps; on refusal a second load at log_level 1 for the log). Programs
 * name maps by index in lddw src 1 (map) or src 2 (map value); the helper puts the fds in.
 */
import { execFileSync } from 'node:child_process';
import { buildHelper } from './build.js';

/** One program to load. */
export interface EbpfLoadCase {
  /** BPF_PROG_TYPE_* number: 1 socket filter, 6 XDP. */
  readonly progType: number;
  readonly program: Uint8Array;
  /** Maps created for the load: type, key size, value size, max entries. */
  readonly maps?: readonly { readonly type: number; readonly keySize: number; readonly valueSize: number; readonly maxEntries: number }[];
  readonly license?: string;
  /** false: load without CAP_PERFMON and CAP_SYS_ADMIN (CAP_BPF kept). Default true. */
  readonly privileged?: boolean;
}

/** What the kernel said: accepted, or refused with the errno, its first error line and the log's tail. */
export type EbpfLoadVerdict =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly errno: number; readonly firstError: string; readonly log: string };

const isTrace = (line: string): boolean =>
  /^\d+: /.test(line) || /^from \d+ to \d+/.test(line) || /^;/.test(line) || /^processed \d+ insns/.test(line) ||
  /^verification time/.test(line) || /^stack depth/.test(line) || /^func#\d+ @\d+/.test(line) || /^Func#/.test(line) || line.trim() === '';

/** Returns the first line of the log's closing error block (after the last instruction trace line). */
export function firstLogError(log: string): string {
  const lines = log.split('\n');
  let end = lines.length;
  while (end > 0 && isTrace(lines[end - 1]!)) end--;
  let start = end;
  while (start > 0 && !isTrace(lines[start - 1]!)) start--;
  // Some messages lack their newline, so the statistics line runs on.
  return (lines[start] ?? '').replace(/processed \d+ insns \(limit.*$/, '');
}

/** Loads each case into the kernel (root, Linux) and returns its verdicts in order. */
export function kernelEbpfVerdicts(cases: readonly EbpfLoadCase[]): EbpfLoadVerdict[] {
  const binary = buildHelper('verify_ebpf');
  const input = cases.map((c) => {
    const maps = c.maps === undefined || c.maps.length === 0 ? '-' : c.maps.map((m) => `${m.type}:${m.keySize}:${m.valueSize}:${m.maxEntries}`).join(',');
    const license = Buffer.from(c.license ?? 'GPL').toString('hex') || '00';
    return `${c.progType} ${c.privileged === false ? 0 : 1} ${maps} ${license} ${Buffer.from(c.program).toString('hex')}\n`;
  }).join('');
  const out = execFileSync(binary, [], { input, maxBuffer: 1 << 30 }).toString().split('\n');
  return cases.map((_, i) => {
    const line = out[i] ?? '';
    if (line === 'ok') return { accepted: true };
    const m = /^load (\d+) (\S+)$/.exec(line);
    if (m === null) throw new Error(`verify_ebpf answered ${JSON.stringify(line.slice(0, 200))} for case ${i}`);
    const log = m[2] === '-' ? '' : Buffer.from(m[2]!, 'hex').toString('utf8');
    return { accepted: false, errno: Number(m[1]), firstError: firstLogError(log), log };
  });
}
