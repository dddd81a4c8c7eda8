import { formatInsn, insn, type KnownInsn } from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import { insnText } from '../src/comment.js';

const KS = [0, 1, 9, 10, 15, 16, 255, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffff000, 0xfffff004, 0xfffff038, 0xffffffff];
const JUMPS: [number, number][] = [[0, 0], [0, 1], [1, 0], [3, 7], [255, 255], [0, 255]];
const PCS = [0, 1, 4095, 0xfffffe00, 0xfffffff0];

describe('insnText', () => {
  it('spells every known opcode exactly as formatInsn does', () => {
    let checked = 0;
    for (let code = 0; code <= 0xffff; code++) {
      if (insn(code, 0, 0, 0).kind === 'unknown') continue;
      for (const k of KS) {
        for (const [jt, jf] of JUMPS) {
          const i = insn(code, jt, jf, k) as KnownInsn;
          for (const pc of PCS) {
            expect(insnText(i, pc), `${code} ${jt} ${jf} ${k} @${pc}`).toBe(formatInsn(i, pc));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
