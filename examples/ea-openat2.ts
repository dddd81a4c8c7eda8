/**
 * openat2 confined to a directory tree: how.resolve must contain RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS, how.flags must not contain O_CREAT. Jann Horn's 2020 suggestion (use
 * openat2 with RESOLVE_BENEATH as the only path-taking call) needs exactly this filter.
 * The tail-zero guard sends any caller that set bytes past today's 24 away with E2BIG.
 *
 * Run: npx tsx examples/ea-openat2.ts
 */
import { AddressSpace } from '@ea/layout';
import { type Check, O_CREAT, RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS, type Strategy, version } from '@ea/policy';
import { type DemoCase, defaultEngine, runDemo } from '@ea/workbench';
import { ARCHES } from '@ea/seccomp';

const x86 = ARCHES.x86_64;
const openat2 = version('openat2'); // struct open_how, 24 bytes
const HOW = 0x7f0000001000;
const PATH = 0x7f0000003000;
const O_WRONLY = 0o1n;
const O_TRUNC = 0o1000n;
const RESOLVE_NO_XDEV = 0x01n;

export const CHECKS: readonly Check[] = [
  { path: 'resolve', test: { op: 'allSet', mask: RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS } },
  { path: 'flags', test: { op: 'noneSet', mask: O_CREAT } },
];

/** An openat2(AT_FDCWD, path, how, usize) call with open_how {flags, mode, resolve} and `extra` tail bytes. */
function call(flags: bigint, mode: bigint, resolve: bigint, tail: readonly number[] = []): DemoCase['call'] {
  const how = new DataView(new ArrayBuffer(24 + tail.length));
  how.setBigUint64(0, flags, true);
  how.setBigUint64(8, mode, true);
  how.setBigUint64(16, resolve, true);
  for (const [i, b] of tail.entries()) how.setUint8(24 + i, b);
  const memory = new AddressSpace().map(HOW, new Uint8Array(how.buffer));
  const AT_FDCWD = 0xffffff9c; // -100 as the low 32 bits of args[0]
  return { regs: { nr: openat2.sys.nr, arch: x86.auditArch, args: [AT_FDCWD, PATH, HOW, how.byteLength] }, memory };
}

const BOTH = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
export const CASES: readonly DemoCase[] = [
  { label: 'O_RDONLY, BENEATH|NO_SYMLINKS', call: call(0n, 0n, BOTH) },
  { label: 'O_WRONLY|O_TRUNC, BENEATH|NO_SYMLINKS|NO_XDEV', call: call(O_WRONLY | O_TRUNC, 0n, BOTH | RESOLVE_NO_XDEV) },
  { label: 'O_RDONLY, BENEATH only', call: call(0n, 0n, RESOLVE_BENEATH) },
  { label: 'O_RDONLY, no resolve flags', call: call(0n, 0n, 0n) },
  { label: 'O_CREAT|O_WRONLY 0644, BENEATH|NO_SYMLINKS', call: call(O_CREAT | O_WRONLY, 0o644n, BOTH) },
  { label: 'usize 32, zero tail (newer header, nothing new set)', call: call(0n, 0n, BOTH, [0, 0, 0, 0, 0, 0, 0, 0]) },
  { label: 'usize 32, byte 24 set (a field this filter does not know)', call: call(0n, 0n, BOTH, [1, 0, 0, 0, 0, 0, 0, 0]) },
];

/** Returns the example's report for one strategy. */
export function report(strategy: Strategy): string {
  return runDemo(defaultEngine(), {
    title: 'openat2: require RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, reject O_CREAT',
    arch: x86,
    version: openat2,
    checks: CHECKS,
    strategy,
    cases: CASES,
  }).text;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${report('jump-table')}\n${report('fixed-window')}`);
}
