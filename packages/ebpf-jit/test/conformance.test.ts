/**
 * bpf_conformance (github.com/Alan-Jowett/bpf_conformance): reads the suite's tests/*.data from the
 * directory named by EA_BPF_CONFORMANCE (a checkout's tests directory; nothing is fetched or
 * committed here) and runs every test at cpu v4, callx and packet groups included, through every
 * engine. Skips with a message when the variable is unset.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataCase } from '@ea/ebpf';
import { describe, expect, it } from 'vitest';
import { ENGINES, outcome } from './support/engines.js';

const dir = process.env.EA_BPF_CONFORMANCE;
const skip = dir === undefined
  ? 'set EA_BPF_CONFORMANCE to the tests/ directory of a bpf_conformance checkout'
  : existsSync(dir) ? null : `EA_BPF_CONFORMANCE=${dir} does not exist`;

describe.skipIf(skip !== null)(`bpf_conformance${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  const files = skip === null ? readdirSync(dir!).filter((f) => f.endsWith('.data')).sort() : [];
  for (const [name, engine] of Object.entries(ENGINES)) {
    it(`${name} passes every test`, () => {
      const failed: string[] = [];
      for (const file of files) {
        const c = parseDataCase(readFileSync(join(dir!, file), 'utf8'));
        const want = c.result !== undefined ? `0x${c.result.toString(16)}` : c.error;
        const got = outcome(engine, c.program, c.mem);
        if (got !== want) failed.push(`${file}: got ${got}, want ${want}`);
      }
      console.log(`bpf_conformance ${name}: ${files.length - failed.length}/${files.length}`);
      expect(failed).toEqual([]);
      expect(files.length).toBeGreaterThan(0);
    });
  }
});
