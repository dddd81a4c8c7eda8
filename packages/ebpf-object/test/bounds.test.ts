/**
 * Per-value map bounds: @ea/testkit's c/bpf/bounds.c reads v[k] past the u64 value map_lookup_elem returned.
 * The kernel's verifier refuses the program; our engines run it and must stop at the load's pc
 * with `out_of_bounds`, never reading the neighbouring value.
 */
import { EbpfRunError } from '@ea/ebpf';
import { loadObject, mapRegions, ObjectRunner, PER_VALUE_MAX_ENTRIES } from '@ea/ebpf-object';
import { describe, expect, it } from 'vitest';
import { bpftoolUnavailable, clangUnavailable, compileC, kernelLoad } from './support.js';

const noClang = clangUnavailable();

describe.skipIf(noClang !== null)('per-value map bounds', () => {
  for (const engine of ['jit', 'interp'] as const) {
    it(`a pointer from map_lookup_elem reaches its own value only (${engine})`, () => {
      const object = loadObject(compileC('bounds').bytes);
      // verify: false: this program walks off a value on purpose (the kernel's verifier, and ours, refuse it).
      const runner = new ObjectRunner(object, object.programs[0]!, { engine, verify: false });
      // Within the value: counts per key.
      expect(runner.run32(Uint8Array.of(0, 1))).toBe(1);
      expect(runner.run32(Uint8Array.of(0, 1))).toBe(2);
      expect(runner.run32(Uint8Array.of(0, 2))).toBe(1);
      // v[1] from value 0 would be value 1 (count 2) in one region per map: it is an error at the load.
      const loadPc = Math.max(...runner.program.insns.map((i, pc) => (i?.kind === 'ldx' && i.size === 'dw' ? pc : -1)));
      let error: unknown;
      try {
        runner.run32(Uint8Array.of(1, 0));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EbpfRunError);
      expect(error).toMatchObject({ reason: 'out_of_bounds', pc: loadPc });
      // And from the last value, past the map's end, likewise.
      expect(() => runner.run32(Uint8Array.of(1, 3))).toThrow(expect.objectContaining({ reason: 'out_of_bounds', pc: loadPc }));
    });
  }

  it('gives each value of a small map its own region and a big map one region', () => {
    const object = loadObject(compileC('counter').bytes);
    const layout = mapRegions(object.maps);
    expect(layout.perValue).toEqual([true]);
    expect(layout.regions).toHaveLength(64);
    expect(layout.regions.every((r) => r.length === 16)).toBe(true);
    const big = mapRegions([{ ...object.maps[0]!, def: { ...object.maps[0]!.def, maxEntries: PER_VALUE_MAX_ENTRIES + 1 } }]);
    expect(big.perValue).toEqual([false]);
  });

  it.skipIf(bpftoolUnavailable() !== null)('the kernel refuses bounds.c at load', () => {
    expect(() => kernelLoad(compileC('bounds').path)).toThrow(/invalid access to map value|value_size=8 off=/);
  });
});
