/**
 * The seed's question (Aleksa Sarai, 19 May 2020): "How would you write a filter on clone3()
 * that requires the first entry of set_tid to be 34?" With the pointer flattened, two ways:
 * through the jump table (ld slot; tax; ld [x + 0]) and through a fixed window (ld [window]).
 *
 * Run: npx tsx examples/ea-clone3-set-tid.ts
 */
import { AddressSpace } from '@ea/layout';
import { type Strategy, version } from '@ea/policy';
import { type DemoCase, defaultEngine, runDemo } from '@ea/workbench';
import { ARCHES } from '@ea/seccomp';

const x86 = ARCHES.x86_64;
const clone3 = version('clone3'); // VER2, as Linux 6.18 knows it
const STRUCT = 0x7f0000001000;
const SET_TID = 0x7f0000002000;
const UNMAPPED = 0x7f0000009000;

/** A clone3 call: clone_args with set_tid/set_tid_size, and the set_tid array (if any) mapped. */
function call(setTid: number, setTidSize: number, tids: readonly number[] | null): DemoCase['call'] {
  const args = new DataView(new ArrayBuffer(clone3.struct.size));
  args.setBigUint64(32, 17n, true); // exit_signal = SIGCHLD
  args.setBigUint64(64, BigInt(setTid), true);
  args.setBigUint64(72, BigInt(setTidSize), true);
  const memory = new AddressSpace().map(STRUCT, new Uint8Array(args.buffer));
  if (tids !== null) {
    const arr = new DataView(new ArrayBuffer(4 * Math.max(tids.length, 1)));
    for (const [i, t] of tids.entries()) arr.setInt32(4 * i, t, true);
    memory.map(SET_TID, new Uint8Array(arr.buffer));
  }
  return { regs: { nr: clone3.sys.nr, arch: x86.auditArch, args: [STRUCT, clone3.struct.size] }, memory };
}

export const CASES: readonly DemoCase[] = [
  { label: 'set_tid = [34]', call: call(SET_TID, 1, [34]) },
  { label: 'set_tid = [35]', call: call(SET_TID, 1, [35]) },
  { label: 'set_tid = [34, 35]', call: call(SET_TID, 2, [34, 35]) },
  { label: 'no set_tid (NULL, size 0)', call: call(0, 0, null) },
  { label: 'set_tid_size = 0 with a pointer', call: call(SET_TID, 0, [34]) },
  { label: 'set_tid points to unmapped memory', call: call(UNMAPPED, 1, null) },
];

/** Returns the example's report for one strategy. */
export function report(strategy: Strategy): string {
  return runDemo(defaultEngine(), {
    title: 'clone3: allow only when set_tid[0] == 34',
    arch: x86,
    version: clone3,
    checks: [{ path: 'set_tid[0]', test: { op: 'eq', value: 34n } }],
    strategy,
    cases: CASES,
  }).text;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${report('jump-table')}\n${report('fixed-window')}`);
}
