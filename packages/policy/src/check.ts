/**
 * One check as classic BPF: the loads that reach the field (placement.ts decides where it is),
 * then the comparison. Every check either falls through (it holds) or jumps to `deny`.
 *
 * Fields are compared as 32-bit words, most significant first, the way libseccomp's gen_bpf
 * compares a 64-bit argument (_gen_bpf_node: the high word decides unless it is equal, then the
 * low word). A 64-bit field is two words in the arch's byte order (seccomp loads are native
 * endian); a 1- or 2-byte field is cut out of its aligned 32-bit word (`rsh`, `and`) because
 * the `ea` profile only loads aligned words. Comparisons are unsigned at the field's width.
 */
import { EA_META_ROOT } from '@ea/bpf';
import { type Assembler, NEXT, type Target } from './assembler.js';
import type { Check, CheckSpec, Ordering, Test } from './policy.js';
import { words64 } from './judge.js';
import { chainOf, type ResolvedPath, resolvePath } from './path.js';

/** One 32-bit word of a field: its offset from the field's first byte, and how to cut the field out of it. */
interface Word {
  /** Offset of the aligned word to load, relative to the field's offset (negative for a sub-word field not at a word's start). */
  readonly at: number;
  /** Right shift that brings the field's low bit to bit 0 (0 for 4- and 8-byte fields). */
  readonly shift: number;
  /** Mask of the field's bits after the shift (0xffffffff when nothing needs cutting off). */
  readonly mask: number;
  /** 0 for the most significant word. */
  readonly rank: number;
}

const ALL = 0xffffffff;

/** The field's words in offset order, and a constant's words in the same order. */
function wordsOf(spec: CheckSpec, path: ResolvedPath): { words: readonly Word[]; split: (v: bigint) => readonly number[] } {
  const size = path.field.size;
  const le = spec.arch.endian === 'le';
  if (size === 8) {
    const words = [{ at: 0, shift: 0, mask: ALL, rank: le ? 1 : 0 }, { at: 4, shift: 0, mask: ALL, rank: le ? 0 : 1 }];
    return { words, split: (v) => words64(v, spec.arch.endian) };
  }
  if (size === 4) return { words: [{ at: 0, shift: 0, mask: ALL, rank: 0 }], split: (v) => [Number(v)] };
  // The field's bytes [r, r + size) of its aligned word: bits 8r.. when little-endian, the
  // top of the word first when big-endian.
  const r = path.field.offset % 4;
  const shift = le ? 8 * r : 8 * (4 - r - size);
  const mask = size === 1 ? 0xff : 0xffff;
  return { words: [{ at: -r, shift, mask: shift + 8 * size === 32 ? ALL : mask, rank: 0 }], split: (v) => [Number(v)] };
}

/** Emits one check; returns how many instructions it took. Throws PathError or RangeError. */
export function emitCheck(a: Assembler, spec: CheckSpec, check: Check, deny: Target): number {
  const before = a.count;
  const path = resolvePath(spec.struct, check.path);
  const load = prepareLoads(a, spec, path, deny);
  const { words, split } = wordsOf(spec, path);
  const bits = BigInt(8 * path.field.size);
  const constant = (v: bigint): readonly number[] => {
    if (BigInt.asUintN(Number(bits), v) !== v) throw new RangeError(`${check.path} is ${bits} bits; ${v} does not fit`);
    return split(v);
  };
  const fetch = (w: Word): void => {
    load(w.at);
    if (w.shift !== 0) a.rsh(w.shift);
    if (w.mask !== ALL) a.and(w.mask);
  };
  emitTest(a, check.test, words, constant, fetch, deny);
  return a.count - before;
}

/** Emits the comparison of the field's words with a test's constants. */
function emitTest(a: Assembler, test: Test, words: readonly Word[], constant: (v: bigint) => readonly number[], fetch: (w: Word) => void, deny: Target): void {
  switch (test.op) {
    case 'eq':
      constant(test.value).forEach((k, i) => {
        fetch(words[i]!);
        a.jmp('jeq', k, NEXT, deny);
      });
      return;
    case 'noneSet':
      constant(test.mask).forEach((k, i) => {
        if (k === 0) return;
        fetch(words[i]!);
        a.jmp('jset', k, deny, NEXT);
      });
      return;
    case 'allSet':
      constant(test.mask).forEach((k, i) => {
        if (k === 0) return;
        fetch(words[i]!);
        a.and(k).jmp('jeq', k, NEXT, deny);
      });
      return;
    case 'maskedEq': {
      const want = constant(test.value);
      const masks = constant(test.mask);
      if ((test.value & ~test.mask) !== 0n) {
        // A wanted bit the mask clears: (field & mask) == value can never hold.
        a.ja(deny);
        return;
      }
      masks.forEach((m, i) => {
        if (m === 0) return; // want[i] is 0 too (checked above): the word always matches
        fetch(words[i]!);
        if (m !== ALL) a.and(m);
        a.jmp('jeq', want[i]!, NEXT, deny);
      });
      return;
    }
    case 'oneOf': {
      // value 1 matches? -> ok; else try value 2; ... ; the last miss denies.
      const ok = a.newLabel('oneof.ok');
      test.values.forEach((value, i) => {
        const miss = i === test.values.length - 1 ? deny : a.newLabel('oneof.next');
        const ks = constant(value);
        ks.forEach((k, j) => {
          fetch(words[j]!);
          a.jmp('jeq', k, j === ks.length - 1 ? ok : NEXT, miss);
        });
        if (miss !== deny) a.label(miss);
      });
      if (test.values.length === 0) a.ja(deny);
      a.label(ok);
      return;
    }
    case 'ne':
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const ok = a.newLabel(`${test.op}.ok`);
      const ks = constant(test.value);
      const ranked = words.map((w, i) => ({ w, k: ks[i]! })).sort((x, y) => x.w.rank - y.w.rank);
      emitOrdering(a, test.op, ranked.map((x) => x.k), ranked.map((x) => x.w), fetch, ok, deny);
      a.label(ok);
      return;
    }
    default:
      assertTestNever(test);
  }
}

/**
 * NE and the orderings over words most significant first, as libseccomp's _gen_bpf_node chains
 * them: `field > c` iff some word is above its constant while every more significant word is
 * equal to its own. BPF jumps only on `>`, `>=`, `==`, so LT and LE are GE and GT with the
 * targets swapped.
 */
function emitOrdering(a: Assembler, op: Ordering, ks: readonly number[], words: readonly Word[], fetch: (w: Word) => void, pass: Target, fail: Target): void {
  if (op === 'ne') {
    // Not equal iff some word differs.
    ks.forEach((k, i) => {
      fetch(words[i]!);
      a.jmp('jeq', k, i === ks.length - 1 ? fail : NEXT, pass);
    });
    return;
  }
  const strict = op === 'gt' || op === 'le';
  const [above, notAbove] = op === 'gt' || op === 'ge' ? [pass, fail] : [fail, pass];
  ks.forEach((k, i) => {
    fetch(words[i]!);
    if (i === ks.length - 1) {
      a.jmp(strict ? 'jgt' : 'jge', k, above, notAbove);
      return;
    }
    // A more significant word above its constant decides "above", below it "not above";
    // equal goes on to the next word.
    const equal = a.newLabel('cmp.equal');
    a.jmp('jgt', k, above, NEXT);
    a.jmp('jeq', k, equal, notAbove);
    a.label(equal);
  });
}

function assertTestNever(test: never): never {
  throw new Error(`unknown test ${JSON.stringify(test)}`);
}

/**
 * Emits whatever must run before the field can be loaded and returns a function that emits the
 * load of the 32-bit word at `at` bytes from the field's offset.
 *
 * A nested field whose pointee was not copied (NULL, zero length, fault, over a limit) makes
 * the check fail: with jump tables the slot is 0 and must be tested, because X = 0 would make
 * `ld [x + k]` read seccomp_data, whose args the caller controls.
 */
function prepareLoads(a: Assembler, spec: CheckSpec, path: ResolvedPath, absent: Target): (at: number) => void {
  const place = spec.placement;
  const off = path.field.offset;
  if (place.strategy === 'fixed-window') {
    if (path.hops.length === 0) return (at) => void a.ldAbs(place.root + off + at);
    const spot = place.window(chainOf(path));
    a.ldAbs(spot.status).jmp('jeq', 0, NEXT, absent);
    return (at) => void a.ldAbs(spot.data + off + at);
  }
  if (path.hops.length === 0 && place.staticRoot !== undefined) {
    const root = place.staticRoot;
    return (at) => void a.ldAbs(root + off + at);
  }
  // The root copy follows the root's jump table, whose size is the kernel's struct size.
  if (path.hops.length === 0) a.ldAbs(EA_META_ROOT).tax();
  path.hops.forEach((hop, i) => {
    // Slot = [u32 data offset][u32 table offset]; intermediate hops need the table.
    const word = i === path.hops.length - 1 ? 0 : 4;
    if (i === 0) a.ldAbs(place.rootTable + hop.field.offset + word);
    else a.ldInd(hop.field.offset + word);
    a.jmp('jeq', 0, absent, NEXT).tax();
  });
  return (at) => void a.ldInd(off + at);
}
