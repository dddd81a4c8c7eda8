/**
 * Random valid programs and inputs for the differential tests, built valid by construction
 * (forward jumps in range, a final ret, scratch cells stored before any jump and read only
 * after, per-profile opcode and offset rules) and biased towards the places engines disagree:
 * arithmetic edges, shifts by X >= 32, division by X == 0, loads just past the end, negative
 * packet offsets, ancillary fields and deep jump nests. Every draw comes from the one seeded Rng.
 */
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JMP, BPF_K, BPF_LD,
  BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_NEG, BPF_RET, BPF_RSH, BPF_ST, BPF_STX,
  BPF_TAILZ, BPF_TAX, BPF_TXA, BPF_W, BPF_X, ALU_OPS, JMP_OPS, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF, ANCILLARY,
  EA_META_ROOT, EA_META_USIZE, type SockFilter,
} from '@ea/bpf';
import type { PacketContext } from '@ea/interpreter';
import type { Profile } from '@ea/verifier';
import type { Rng } from './rng.js';

/** Values the programs compare against and the inputs contain, so tests are taken both ways. */
export const EDGES = [0, 1, 2, 3, 4, 7, 8, 31, 32, 33, 63, 64, 0xff, 0x800, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function imm(r: Rng, pool: readonly number[]): number {
  const roll = r.int(10);
  if (roll < 4) return r.pick(EDGES);
  if (roll < 7) return r.pick(pool);
  if (roll < 9) return r.int(16);
  return r.u32();
}

const ALU = Object.entries(ALU_OPS) as [string, number][];
const JMP = Object.entries(JMP_OPS) as [string, number][];
const SIZES = [BPF_W, BPF_H, BPF_B];

function s(code: number, k: number): SockFilter {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** Generation options: `plain` keeps socket loads to packet offsets (no ancillary, no negative offsets). */
export interface GenOptions {
  readonly plain?: boolean;
}

/** Generates a program for `profile` of at most `maxLen` instructions. */
export function genProgram(r: Rng, profile: Profile, maxLen: number, pool: readonly number[], options: GenOptions = {}): SockFilter[] {
  const n = 2 + r.int(maxLen - 1);
  const out: SockFilter[] = [];
  const cells: number[] = [];
  // Prologue: a few cells stored before any jump, so later reads pass check_load_and_stores.
  const inits = r.int(4);
  for (let i = 0; i < inits && out.length < n - 1; i++) {
    const c = r.int(16);
    out.push(s(BPF_LD | BPF_IMM, imm(r, pool)));
    out.push(s(BPF_ST, c));
    cells.push(c);
  }
  const socket = profile === 'socket';
  const ea = profile === 'ea';
  while (out.length < n - 1) {
    const pc = out.length;
    const room = n - 1 - pc - 1; // jump offsets that still land on an instruction
    const roll = r.int(100);
    if (roll < 22) {
      out.push(options.plain ? plainLoad(r, pool) : load(r, profile, pool));
    } else if (roll < 44) {
      const [name, op] = r.pick(ALU);
      if (name === 'mod' && !socket) continue;
      const byX = r.chance(0.4);
      let k = imm(r, pool);
      if (!byX && (op === BPF_DIV || op === BPF_MOD) && k === 0) k = r.chance(0.5) ? 1 : 3;
      if (!byX && (op === BPF_LSH || op === BPF_RSH)) k = r.int(32);
      out.push(s(BPF_ALU | op | (byX ? BPF_X : BPF_K), byX ? 0 : k));
    } else if (roll < 47) {
      out.push(s(BPF_ALU | BPF_NEG, 0));
    } else if (roll < 70 && room >= 0) {
      const [, op] = r.pick(JMP);
      const byX = r.chance(0.3);
      const far = Math.min(room, 255);
      const jt = r.chance(0.3) ? 0 : r.int(far + 1);
      const jf = r.chance(0.3) ? 0 : r.int(far + 1);
      out.push({ code: BPF_JMP | op | (byX ? BPF_X : BPF_K), jt, jf, k: byX ? 0 : imm(r, pool) });
    } else if (roll < 73 && room >= 0) {
      out.push(s(BPF_JMP | BPF_JA, r.int(Math.min(room, 40) + 1)));
    } else if (roll < 80) {
      out.push(s(BPF_RET | (r.chance(0.5) ? BPF_A : BPF_K), r.chance(0.5) ? 0 : imm(r, pool)));
      if (out[out.length - 1]?.code === (BPF_RET | BPF_A)) out[out.length - 1] = s(BPF_RET | BPF_A, 0);
    } else if (roll < 86) {
      out.push(s(BPF_MISC | (r.chance(0.5) ? BPF_TAX : BPF_TXA), 0));
    } else if (roll < 90) {
      out.push(s(r.chance(0.5) ? BPF_LDX | BPF_IMM : BPF_LD | BPF_IMM, imm(r, pool)));
    } else if (roll < 95) {
      const c = r.int(16);
      out.push(s(r.chance(0.5) ? BPF_ST : BPF_STX, c));
    } else if (cells.length > 0) {
      out.push(s((r.chance(0.5) ? BPF_LD : BPF_LDX) | BPF_MEM, r.pick(cells)));
    } else {
      out.push(s((r.chance(0.5) ? BPF_LD : BPF_LDX) | BPF_W | BPF_LEN, 0));
    }
    if (ea && r.chance(0.03)) out.push(s(BPF_LD | BPF_W | BPF_TAILZ, r.pick([0, 4, 8, 16, 24, 40, 88, 4096])));
  }
  out.length = Math.min(out.length, n - 1);
  out.push(s(BPF_RET | (r.chance(0.5) ? BPF_A : BPF_K), r.chance(0.5) ? 0 : imm(r, pool)));
  if (out[out.length - 1]?.code === (BPF_RET | BPF_A)) out[out.length - 1] = s(BPF_RET | BPF_A, 0);
  return out;
}

/** A socket load at a packet offset: absolute (below 72), indirect, or the IP header length. */
function plainLoad(r: Rng, pool: readonly number[]): SockFilter {
  const size = r.pick(SIZES);
  const roll = r.int(100);
  if (roll < 55) return s(BPF_LD | size | BPF_ABS, r.int(72));
  if (roll < 85) return s(BPF_LD | size | BPF_IND, r.chance(0.8) ? r.int(64) : imm(r, pool));
  if (roll < 95) return s(BPF_LDX | BPF_B | BPF_MSH, r.int(64));
  return s(BPF_LD | BPF_W | BPF_LEN, 0);
}

function load(r: Rng, profile: Profile, pool: readonly number[]): SockFilter {
  if (profile === 'seccomp') {
    if (r.chance(0.1)) return s((r.chance(0.5) ? BPF_LD : BPF_LDX) | BPF_W | BPF_LEN, 0);
    return s(BPF_LD | BPF_W | BPF_ABS, 4 * r.int(16));
  }
  if (profile === 'ea') {
    const roll = r.int(10);
    if (roll < 6) return s(BPF_LD | BPF_W | BPF_ABS, 4 * r.int(r.chance(0.8) ? 40 : 1000));
    if (roll < 9) return s(BPF_LD | BPF_W | BPF_IND, r.chance(0.5) ? 4 * r.int(40) : imm(r, pool));
    return s(BPF_LD | BPF_W | BPF_TAILZ, r.int(200));
  }
  const size = r.pick(SIZES);
  const roll = r.int(100);
  if (roll < 45) return s(BPF_LD | size | BPF_ABS, r.chance(0.9) ? r.int(72) : r.pick([0x7ffffffe, 0x7fffffff, 1000, 65535]));
  if (roll < 55) {
    const a = r.pick(ANCILLARY);
    return s(BPF_LD | size | BPF_ABS, SKF_AD_OFF + a.offset);
  }
  if (roll < 63) return s(BPF_LD | size | BPF_ABS, r.pick([SKF_NET_OFF, SKF_LL_OFF]) + r.int(40));
  if (roll < 65) return s(BPF_LD | size | BPF_ABS, r.pick([SKF_LL_OFF - 1, 0x80000000, SKF_AD_OFF - 1]));
  if (roll < 88) return s(BPF_LD | size | BPF_IND, r.chance(0.7) ? r.int(64) : imm(r, pool));
  if (roll < 96) return s(BPF_LDX | BPF_B | BPF_MSH, r.chance(0.9) ? r.int(64) : SKF_NET_OFF + r.int(30));
  return s(BPF_LD | BPF_W | BPF_LEN, 0);
}

/** Fills a buffer with bytes and words from the pool (so loads meet the compared values). */
function fill(r: Rng, bytes: Uint8Array, pool: readonly number[], little: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const roll = r.int(4);
    const v = roll === 0 ? 0 : roll === 1 ? r.pick(pool) : r.u32();
    view.setUint32(i, v, little);
  }
  for (let i = bytes.length & ~3; i < bytes.length; i++) bytes[i] = r.int(256);
  if (!r.chance(0.3)) return;
  for (let i = 0; i < bytes.length; i++) {
    if (r.chance(0.3)) bytes[i] = r.pick([0, 0x45, 0x08, 6, 17, 0xff]);
  }
}

/** Generates a seccomp_data view: 64 bytes, sometimes shorter or longer (exercising the slow path). */
export function genSeccompInput(r: Rng, pool: readonly number[], little: boolean): DataView {
  const len = r.chance(0.9) ? 64 : r.pick([0, 3, 4, 20, 60, 63, 65, 128]);
  const bytes = new Uint8Array(len);
  fill(r, bytes, pool, little);
  return new DataView(bytes.buffer);
}

/** Generates an EA image: seccomp_data, ea_meta (usize, root) and a region, of assorted lengths. */
export function genEaInput(r: Rng, pool: readonly number[], little: boolean): DataView {
  // Mostly whole images; the short ones check that both engines refuse them alike.
  const len = r.chance(0.6) ? 4096 + 80 : r.pick([0, 40, 64, 80, 96, 120, 160, 200, 256]);
  const bytes = new Uint8Array(len);
  fill(r, bytes, pool, little);
  const view = new DataView(bytes.buffer);
  if (len >= 80) {
    view.setUint32(EA_META_USIZE, r.pick([0, 4, 8, 24, 40, 88, 200, 5000]), little);
    view.setUint32(EA_META_ROOT, r.pick([80, 80, 84, 100, 0xffffff00]), little);
    if (r.chance(0.5)) bytes.fill(0, 80 + r.int(Math.max(1, len - 80)));
  }
  return view;
}

/** Generates a packet and its context, with random link/network offsets and ancillary fields. */
export function genPacket(r: Rng, pool: readonly number[]): PacketContext {
  const len = r.chance(0.7) ? r.int(80) : r.pick([0, 1, 13, 14, 15, 23, 24, 54, 60, 1500]);
  const bytes = new Uint8Array(len);
  fill(r, bytes, pool, false);
  let ctx: PacketContext;
  if (r.chance(0.5)) {
    // Half the packets sit inside a larger buffer of random bytes, as in a capture read once:
    // a read outside [offset, offset + length) or a missing `+ offset` changes the result.
    const before = r.chance(0.8) ? 1 + r.int(64) : 0;
    const after = r.chance(0.8) ? 1 + r.int(64) : 0;
    const buffer = new Uint8Array(before + len + after);
    for (let i = 0; i < buffer.length; i++) buffer[i] = r.int(256);
    buffer.set(bytes, before);
    ctx = { data: new DataView(buffer.buffer), offset: before, length: len };
    // The defaults must mean the same: offset 0, length = the rest of the view.
    if (before === 0 && r.chance(0.5)) delete ctx.offset;
    if (after === 0 && r.chance(0.5)) delete ctx.length;
  } else {
    ctx = { data: new DataView(bytes.buffer) };
  }
  if (r.chance(0.3)) ctx.networkOffset = r.int(30);
  if (r.chance(0.3)) ctx.linkOffset = r.int(10);
  if (r.chance(0.3)) ctx.wireLength = r.pick([0, len, len + 100, 0xffffffff]);
  if (r.chance(0.5)) ctx.ifindex = imm(r, pool);
  if (r.chance(0.5)) ctx.hatype = r.int(1000);
  if (r.chance(0.5)) ctx.protocol = r.pick([0x800, 0x86dd, 0]);
  if (r.chance(0.3)) ctx.pktType = r.int(8);
  if (r.chance(0.3)) ctx.mark = imm(r, pool);
  if (r.chance(0.3)) ctx.vlanPresent = r.chance(0.5);
  if (r.chance(0.3)) ctx.vlanTci = r.int(0x10000);
  if (r.chance(0.3)) ctx.rxhash = r.u32();
  const rnd = r.u32();
  ctx.random = () => rnd;
  return ctx;
}
