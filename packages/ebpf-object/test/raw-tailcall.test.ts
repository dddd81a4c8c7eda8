/**
 * A `raw` program (r1 = the packet itself, r2 = its length) that tail-calls another: the callee
 * runs on the same packet, as it would for any other context. It once ran on the runner's unused
 * context struct (zeros), so the callee read 0 instead of the packet's bytes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadObject, ObjectRunner } from '@ea/ebpf-object';
import { clangUnavailable, compileBpfC } from '@ea/testkit';
import { describe, expect, it } from 'vitest';

const noClang = clangUnavailable();
if (noClang !== null) console.warn(`skipping the raw tail call: ${noClang}`);

const SOURCE = `#include "bpf.h"
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 1);
  __uint(key_size, 4);
  __uint(value_size, 4);
} next SEC(".maps");

SEC("raw")
int entry(unsigned char *p) {
  bpf_tail_call(p, &next, 0);
  return 1000; /* the slot was empty */
}

SEC("raw/second")
int second(unsigned char *p) {
  return p[0] + p[3];
}

char LICENSE[] SEC("license") = "GPL";
`;

describe.skipIf(noClang !== null)('a raw program tail-calling another', () => {
  for (const engine of ['interp', 'jit', 'reference'] as const) {
    it(`runs the callee on the same packet on the ${engine}`, () => {
      const path = join(mkdtempSync(join(tmpdir(), 'ea-raw-tail-')), 'rawtail.c');
      writeFileSync(path, SOURCE);
      const object = loadObject(compileBpfC(path).bytes);
      const runner = new ObjectRunner(object, object.programs.find((p) => p.name === 'entry')!, { engine });
      expect(Number(runner.run(new Uint8Array([5, 0, 0, 7])))).toBe(1000);
      const second = object.programs.findIndex((p) => p.name === 'second');
      object.maps.find((m) => m.def.name === 'next')!.update(new Uint8Array(4), new Uint8Array(new Uint32Array([second]).buffer));
      expect(Number(runner.run(new Uint8Array([5, 0, 0, 7])))).toBe(12);
      expect(Number(runner.run(new Uint8Array([200, 1, 2, 40, 9])))).toBe(240);
    });
  }
});
