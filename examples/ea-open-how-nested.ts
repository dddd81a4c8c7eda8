/**
 * The seed's nested example (Aleksa Sarai, 19 May 2020): an extensible struct whose pointers
 * lead to more structs, three levels deep (open_how -> bar -> barbaz), flattened as
 *
 *   [seccomp_data][jump table][open_how][jump table][bar][barbaz][foo][baz]...
 *
 * (objects without pointers get no table) or, with fixed windows, one window per pointer path
 * the filter reads. The filter pins one value at every level.
 *
 * Run: npx tsx examples/ea-open-how-nested.ts
 */
import { AddressSpace } from '@ea/layout';
import { type Check, type Strategy, version } from '@ea/policy';
import { type DemoCase, defaultEngine, runDemo } from '@ea/workbench';
import { ARCHES } from '@ea/seccomp';

const x86 = ARCHES.x86_64;
const nested = version('openat2_nested'); // struct open_how_nested (the seed's, with _size fields)
const HOW = 0x7f0000001000;
const FOO = 0x7f0000002000;
const BAR = 0x7f0000003000;
const BARBAZ = 0x7f0000004000;
const BAZ = 0x7f0000005000;
const UNMAPPED = 0x7f000000f000;

export const CHECKS: readonly Check[] = [
  { path: 'foo->foo', test: { op: 'eq', value: 1n } },
  { path: 'bar->bar', test: { op: 'eq', value: 2n } },
  { path: 'bar->barbaz->barbaz', test: { op: 'eq', value: 3n } },
  { path: 'baz->baz', test: { op: 'eq', value: 4n } },
];

interface Tree {
  readonly foo?: bigint;
  readonly bar?: bigint;
  readonly barbaz?: bigint | null;
  readonly barbazSize?: number;
  readonly baz?: bigint;
  readonly barAt?: number;
}

const u64s = (...values: readonly (bigint | number)[]): Uint8Array => {
  const v = new DataView(new ArrayBuffer(8 * values.length));
  for (const [i, x] of values.entries()) v.setBigUint64(8 * i, BigInt(x), true);
  return new Uint8Array(v.buffer);
};

/** An openat2-like call whose open_how points to foo, bar (-> barbaz) and baz. */
function call(t: Tree): DemoCase['call'] {
  const memory = new AddressSpace();
  const barbazSize = t.barbazSize ?? 8;
  const hasBarbaz = t.barbaz !== null;
  memory.map(FOO, u64s(t.foo ?? 1n));
  if (t.barAt === undefined) memory.map(BAR, u64s(t.bar ?? 2n, hasBarbaz ? BARBAZ : 0, hasBarbaz ? barbazSize : 0));
  if (hasBarbaz) {
    const bytes = new Uint8Array(barbazSize);
    bytes.set(u64s(t.barbaz ?? 3n).subarray(0, Math.min(8, barbazSize)));
    memory.map(BARBAZ, bytes);
  }
  memory.map(BAZ, u64s(t.baz ?? 4n));
  const how = u64s(0, 0, 0x08, FOO, 8, t.barAt ?? BAR, 24, BAZ, 8);
  memory.map(HOW, how);
  return { regs: { nr: nested.sys.nr, arch: x86.auditArch, args: [0xffffff9c, 0, HOW, how.length] }, memory };
}

export const CASES: readonly DemoCase[] = [
  { label: 'foo=1, bar=2, barbaz=3, baz=4', call: call({}) },
  { label: 'barbaz=30 (third level differs)', call: call({ barbaz: 30n }) },
  { label: 'bar->barbaz is NULL', call: call({ barbaz: null }) },
  { label: 'bar points to unmapped memory', call: call({ barAt: UNMAPPED }) },
  { label: 'baz=5', call: call({ baz: 5n }) },
  { label: 'barbaz passed with a larger size (16, zero tail)', call: call({ barbazSize: 16 }) },
];

/** Returns the example's report for one strategy. */
export function report(strategy: Strategy): string {
  return runDemo(defaultEngine(), {
    title: 'nested open_how: foo->foo == 1, bar->bar == 2, bar->barbaz->barbaz == 3, baz->baz == 4',
    arch: x86,
    version: nested,
    checks: CHECKS,
    strategy,
    cases: CASES,
  }).text;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${report('jump-table')}\n${report('fixed-window')}`);
}
