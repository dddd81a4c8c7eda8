/**
 * Clang-built programs: @ea/ebpf-object's C test programs and test/c/refusals.c, each program
 * verified in the kernel's view of it (maps by index, global data as array maps) for the program
 * type its section names. Our verdicts here; kernel.test.ts compares them with the kernel's.
 */
import { decodeBytes } from '@ea/ebpf';
import { contextOf, kernelView, loadObject, progTypeOf } from '@ea/ebpf-object';
import { checkEbpf } from '@ea/ebpf-verifier';
import { describe, expect, it } from 'vitest';
import { clangUnavailable, compileC, OBJECT_C_DIR, OWN_C_DIR } from './support.js';

const noClang = clangUnavailable();

/** Our expected verdicts, by file and section. */
export const OBJECT_CASES: readonly { readonly file: string; readonly own: boolean; readonly expect: Readonly<Record<string, string>> }[] = [
  { file: 'counter', own: false, expect: { xdp: 'accept' } },
  { file: 'parser', own: false, expect: { xdp: 'accept' } },
  { file: 'ringbuf', own: false, expect: { xdp: 'accept' } },
  { file: 'tailcall', own: false, expect: { xdp: 'accept', 'xdp/drop': 'accept', 'xdp/again': 'accept' } },
  { file: 'socket', own: false, expect: { socket: 'accept' } },
  {
    file: 'refusals', own: true, expect: {
      'xdp/no_bounds_check': 'packet_access@1', 'xdp/off_by_one': 'packet_access@5', 'xdp/no_null_check': 'invalid_mem@7', 'xdp/array_const_key_ok': 'accept',
      'xdp/unbounded_index': 'map_access@19', 'xdp/masked_index_ok': 'accept', 'xdp/checked_loop_ok': 'accept', 'xdp/unbounded_loop': 'too_large@16',
    },
  },
];

/** Verifies every program of an object; returns section -> verdict and the kernel's view of each. */
export function objectVerdicts(bytes: Uint8Array) {
  const object = loadObject(bytes);
  return object.programs.flatMap((program) => {
    const progType = progTypeOf(contextOf(program.section));
    if (progType === null) return [];
    const view = kernelView(object, program);
    const v = checkEbpf(decodeBytes(view.bytes), { progType, maps: view.maps, license: object.license });
    return [{ section: program.section, progType, view, license: object.license, verdict: v.accepted ? 'accept' : `${v.error.reason}@${v.error.pc}`, log: v.accepted ? '' : v.error.log }];
  });
}

describe.skipIf(noClang !== null)(`clang-built programs${noClang === null ? '' : ` (skipped: ${noClang})`}`, () => {
  for (const c of OBJECT_CASES) {
    it(`${c.file}.c`, () => {
      const verdicts = objectVerdicts(compileC(c.own ? OWN_C_DIR : OBJECT_C_DIR, c.file));
      expect(Object.fromEntries(verdicts.map((v) => [v.section, v.verdict]))).toEqual(c.expect);
    });
  }
});
