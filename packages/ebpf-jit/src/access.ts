/**
 * Loads and stores as generated code: an inline bounds check on the context region (the packet a
 * filter reads) and, when it fails, the runtime accessor, which resolves any other region (the
 * stack, extra regions, a carry into the neighbouring tag) or throws `out_of_bounds` at the pc.
 * The inline path is taken only when the pointer's tag is the context's and the whole access lies
 * inside it, the same condition the runtime's #resolve checks for that region; everything else
 * keeps the runtime's exact semantics, so the fast path cannot widen what a program may touch.
 *
 * What the analysis (known.ts) proves drops parts of the test, never the condition: a tag known to
 * be the context's is not compared; a tag known to be another region's goes to the runtime
 * directly; an offset whose bounds lie inside a length the program already compared (`clMin`)
 * needs no comparison (the DataView still checks its own bounds).
 */
import { assign, bin, bool, call, exprStmt, ifElse, logical, u32 } from '@ea/codegen';
import { type Insn, REGION_CTX } from '@ea/ebpf';
import type * as ES from 'estree';
import type { Emitter } from './emit.js';
import { view } from './names.js';

type Size = 'b' | 'h' | 'w' | 'dw';
const BYTES: Record<Size, number> = { b: 1, h: 2, w: 4, dw: 8 };

/**
 * The access's offset and the test for the inline path: `tag === ctx && c <= cl - size` (and
 * `c >= 0` for a negative offset), less what is known; `true`: always inside the context; `false`:
 * never the context's tag. The offset is computed into `c` once when the code uses it more than
 * once (a test, or the two halves of a dw access), and written in place otherwise.
 */
function inContext(e: Emitter, reg: number, off: number, size: Size): { setup: ES.Statement[]; c: ES.Expression; test: ES.Expression | boolean } {
  const c = e.id('c');
  const at = e.at(reg, off);
  const setup = [assign(c, at)];
  const k = e.known(reg);
  if (k.hi !== null && k.hi !== REGION_CTX) return { setup: [], c: at, test: false };
  const first = k.min + off;
  if (k.hi === REGION_CTX && first >= 0 && k.max + off + BYTES[size] <= e.state.clMin) {
    return size === 'dw' ? { setup, c, test: true } : { setup: [], c: at, test: true };
  }
  let test: ES.Expression = bin('<=', c, bin('-', e.id('cl'), u32(BYTES[size])));
  if (k.hi === null) test = logical('&&', bin('===', e.hi(reg), u32(REGION_CTX)), test);
  if (first < 0) test = logical('&&', test, bin('>=', c, u32(0)));
  return { setup, c, test };
}

/** `if (test) fast else slow`, or the one branch the test always takes. */
function choose(test: ES.Expression | boolean, fast: ES.Statement[], slow: ES.Statement[]): ES.Statement[] {
  if (test === true) return fast;
  if (test === false) return slow;
  return [ifElse(test, fast, slow)];
}

const LOAD = { b: 'getUint8', h: 'getUint16', w: 'getInt32' } as const;
const STORE = { b: 'setUint8', h: 'setUint16', w: 'setInt32' } as const;

/** `cv.<method>(c [, value], true)`: little-endian access on the context view (big-endian, or one byte: no `true`). */
function onView(e: Emitter, method: string, args: ES.Expression[], big = false): ES.Expression {
  return call(view(e.id('cv'), method), big ? args : [...args, bool(true)]);
}

/**
 * Emits a load, sign-extending for ldxs*. A load whose result the next instruction byte-swaps
 * (`e.bigEndian(pc)`: ldxh + be16, ldxw + be32) reads big-endian, which is the swapped value.
 */
export function emitLoad(e: Emitter, insn: Extract<Insn, { kind: 'ldx' }>, pc: number): ES.Statement[] {
  const d = insn.dst;
  const { setup, c, test } = inContext(e, insn.src, insn.off, insn.size);
  const slowArgs = [e.hi(insn.src), c, u32(pc)];
  if (insn.size === 'dw') {
    return [
      ...setup,
      ...choose(
        test,
        [assign(e.lo(d), onView(e, 'getInt32', [c])), assign(e.hi(d), onView(e, 'getInt32', [bin('+', c, u32(4))]))],
        [assign(e.lo(d), e.rt('ld64', slowArgs)), assign(e.hi(d), e.T_hi)],
      ),
    ];
  }
  const extend = (value: ES.Expression): ES.Expression => {
    if (!insn.signed || insn.size === 'w') return value;
    const k = insn.size === 'b' ? 24 : 16;
    return bin('>>', bin('<<', value, u32(k)), u32(k));
  };
  const big = e.bigEndian(pc);
  const fast = onView(e, LOAD[insn.size], [c], big || insn.size === 'b');
  const slow = e.rt(insn.size === 'b' ? 'ld8' : insn.size === 'h' ? (big ? 'ld16be' : 'ld16') : big ? 'ld32be' : 'ld32', slowArgs);
  return [
    ...setup,
    ...choose(test, [assign(e.lo(d), extend(fast))], [assign(e.lo(d), extend(slow))]),
    ...(insn.signed ? [assign(e.hi(d), bin('>>', e.lo(d), u32(31)))] : e.setHi(d, 0)),
  ];
}

/** Emits a store of an immediate (st) or a register (stx). */
export function emitStore(e: Emitter, insn: Extract<Insn, { kind: 'st' | 'stx' }>, pc: number): ES.Statement[] {
  const v = insn.kind === 'st' ? { lo: e.int(insn.imm), hi: e.int(insn.imm < 0 ? -1 : 0) } : { lo: e.lo(insn.src), hi: e.hi(insn.src) };
  const { setup, c, test } = inContext(e, insn.dst, insn.off, insn.size);
  if (insn.size === 'dw') {
    return [
      ...setup,
      ...choose(
        test,
        [exprStmt(onView(e, 'setInt32', [c, v.lo])), exprStmt(onView(e, 'setInt32', [bin('+', c, u32(4)), v.hi]))],
        [exprStmt(e.rt('st64', [e.hi(insn.dst), c, v.lo, v.hi, u32(pc)]))],
      ),
    ];
  }
  // DataView's setUint8/setUint16 take the value modulo 2^8/2^16, as the runtime's `v & mask` does.
  const fast = onView(e, STORE[insn.size], [c, v.lo], insn.size === 'b');
  const slow = e.rt(insn.size === 'b' ? 'st8' : insn.size === 'h' ? 'st16' : 'st32', [e.hi(insn.dst), c, v.lo, u32(pc)]);
  return [...setup, ...choose(test, [exprStmt(fast)], [exprStmt(slow)])];
}
