/**
 * Our own corpus (@ea/testkit's corpus/ebpf/*.data, the bpf_conformance case format with `-- error reason@pc`
 * added): every case through every engine. Regression tests go here as new files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataCase } from '@ea/ebpf';
import { EBPF_CORPUS_DIR } from '@ea/testkit';
import { describe, expect, it } from 'vitest';
import { ENGINES, outcome } from './support/engines.js';

// The corpus lives in @ea/testkit beside the classic one; this package runs it through both engines.
const dir = EBPF_CORPUS_DIR;
const files = readdirSync(dir).filter((f) => f.endsWith('.data')).sort();

describe('corpus', () => {
  it('has cases', () => expect(files.length).toBeGreaterThan(30));
  for (const [name, engine] of Object.entries(ENGINES)) {
    describe(name, () => {
      for (const file of files) {
        it(file, () => {
          const c = parseDataCase(readFileSync(join(dir, file), 'utf8'));
          const want = c.result !== undefined ? `0x${c.result.toString(16)}` : c.error;
          expect(outcome(engine, c.program, c.mem)).toBe(want);
        });
      }
    });
  }
});
