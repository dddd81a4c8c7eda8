/**
 * The libpcap profile: what tcpdump -r runs, libpcap's userland rules instead of the kernel's.
 * bpf_validate (bpf_filter.c, pcap_validate_filter) checks scratch indices, constant division
 * by zero, jump targets and a final RET, and it accepts backward `ja`: pcap_filter adds `ja`'s k
 * as a signed 32-bit offset, which is how libpcap compiles `ip6 protochain`. Such programs may
 * loop, so the engines bound every run (EngineOptions.budget).
 *
 * Where libpcap's behaviour is undefined we refuse instead (fail closed): codes pcap_filter has
 * no case for (it abort()s, though bpf_validate passes some, e.g. RET X or LD|H|IMM), constant
 * shifts of 32 or more (a C shift past the width), and scratch reads that some path reaches
 * before any store (pcap_filter's mem[] is uninitialised stack). The last is a real data-flow
 * analysis over the possibly cyclic graph, not the kernel's linear scan.
 */
import { BPF_MEMWORDS } from '@ea/bpf';
import { checkLength } from './classic.js';
import type { Failure } from './errors.js';
import type { Fields } from './fields.js';
import { Check, CLASSIC_CHECK, RET_CODES } from './tables.js';

const SHIFT_LIMIT = 32;
const ALL_CELLS = (1 << BPF_MEMWORDS) - 1;

/** Returns the target of a `ja` at pc as pcap_filter computes it: k is a signed offset. */
export function libpcapJaTarget(pc: number, k: number): number {
  return pc + 1 + (k | 0);
}

/** Returns the successors of instruction pc of a program that passed checkLibpcap's jump rules. */
function successors(f: Fields, pc: number): readonly number[] {
  const code = f.code[pc] as number;
  if (RET_CODES.has(code)) return [];
  const check = CLASSIC_CHECK[code] as Check;
  if (check === Check.Ja) return [libpcapJaTarget(pc, f.k[pc] as number)];
  if (check === Check.Cond) return [pc + 1 + (f.jt[pc] as number), pc + 1 + (f.jf[pc] as number)];
  return [pc + 1];
}

/** Runs bpf_validate's rules (first failure wins, in pc order), then our undefined-behaviour refusals. */
export function checkLibpcap(f: Fields): Failure | null {
  const { n, code, jt, jf, k } = f;
  const length = checkLength(n);
  if (length !== null) return length;
  for (let pc = 0; pc < n; pc++) {
    const kk = k[pc] as number;
    switch (CLASSIC_CHECK[code[pc] as number] as Check) {
      case Check.Refused:
        return { reason: 'BAD_OPCODE', pc, detail: `code 0x${(code[pc] as number).toString(16)} (pcap_filter has no case for it)` };
      case Check.DivModK:
        if (kk === 0) return { reason: 'DIV_BY_ZERO', pc };
        break;
      case Check.ShiftK:
        if (kk >= SHIFT_LIMIT) return { reason: 'SHIFT_TOO_LARGE', pc, detail: `k = ${kk} (undefined in pcap_filter)` };
        break;
      case Check.MemLoad:
      case Check.MemStore:
        if (kk >= BPF_MEMWORDS) return { reason: 'MEM_INDEX', pc, detail: `M[${kk}]` };
        break;
      case Check.Ja: {
        // bpf_validate: `from + k >= len` in u_int arithmetic, so a backward k wraps into range.
        const target = (pc + 1 + kk) >>> 0;
        if (target >= n) return { reason: 'JUMP_OUT_OF_RANGE', pc, detail: `ja ${kk | 0}` };
        break;
      }
      case Check.Cond:
        if (pc + (jt[pc] as number) + 1 >= n || pc + (jf[pc] as number) + 1 >= n) {
          return { reason: 'JUMP_OUT_OF_RANGE', pc, detail: `jt ${jt[pc]}, jf ${jf[pc]}` };
        }
        break;
      case Check.LdAbs:
      case Check.Plain:
        // No ancillary check: pcap_filter treats every k as a packet offset (failing past buflen).
        break;
    }
  }
  if (!RET_CODES.has(code[n - 1] as number)) return { reason: 'NO_RET_AT_END', pc: n - 1 };
  return checkScratchReads(f);
}

/**
 * Returns reachable[pc] for a program that passed checkLibpcap (backward jumps included), by a
 * depth-first walk from pc 0.
 */
export function libpcapReachable(f: Fields): boolean[] {
  const seen: boolean[] = new Array<boolean>(f.n).fill(false);
  const stack = [0];
  seen[0] = true;
  while (stack.length > 0) {
    const pc = stack.pop() as number;
    for (const s of successors(f, pc)) {
      if (!seen[s]) {
        seen[s] = true;
        stack.push(s);
      }
    }
  }
  return seen;
}

/** Tells whether some `ja` of the program jumps backward (so a run may loop). */
export function hasBackwardJump(f: Fields): boolean {
  for (let pc = 0; pc < f.n; pc++) {
    if (CLASSIC_CHECK[f.code[pc] as number] === Check.Ja && libpcapJaTarget(pc, f.k[pc] as number) <= pc) return true;
  }
  return false;
}

/**
 * Refuses a scratch read that some path from pc 0 reaches before any store to that cell:
 * written[pc] is the set of cells stored on every path to pc (the meet is the intersection),
 * iterated to a fixed point because backward jumps make the graph cyclic. Unreachable code
 * reads nothing and is not judged.
 */
function checkScratchReads(f: Fields): Failure | null {
  const { n, code, k } = f;
  // Cells written on entry to each pc; ALL_CELLS until a path reaches it (the top of the lattice).
  const written = new Uint16Array(n).fill(ALL_CELLS);
  const reached = new Uint8Array(n);
  written[0] = 0;
  reached[0] = 1;
  const work = [0];
  const queued = new Uint8Array(n);
  queued[0] = 1;
  while (work.length > 0) {
    const pc = work.pop() as number;
    queued[pc] = 0;
    let out = written[pc] as number;
    const check = CLASSIC_CHECK[code[pc] as number] as Check;
    if (check === Check.MemStore) out |= 1 << (k[pc] as number);
    for (const s of successors(f, pc)) {
      const next = reached[s] === 1 ? (written[s] as number) & out : out;
      if (reached[s] === 1 && next === written[s]) continue;
      reached[s] = 1;
      written[s] = next;
      if (queued[s] === 0) {
        queued[s] = 1;
        work.push(s);
      }
    }
  }
  for (let pc = 0; pc < n; pc++) {
    if (reached[pc] === 1 && CLASSIC_CHECK[code[pc] as number] === Check.MemLoad) {
      const cell = k[pc] as number;
      if (((written[pc] as number) & (1 << cell)) === 0) return { reason: 'UNINIT_MEM_READ', pc, detail: `M[${cell}] (some path reaches it before a store)` };
    }
  }
  return null;
}
