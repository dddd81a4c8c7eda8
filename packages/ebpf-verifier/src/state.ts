/**
 * The abstract machine state the verifier walks (struct bpf_verifier_state): per call frame, eleven
 * registers with their types (struct bpf_reg_state) and 512 bytes of stack typed byte by byte
 * (STACK_INVALID, STACK_MISC, STACK_ZERO, STACK_SPILL with the spilled register per 8-byte slot).
 * Plus the two comparisons state pruning needs: exact equality (infinite-loop detection) and
 * "every concrete state of `cur` is one of `old`" (the kernel's states_equal / regsafe / stacksafe).
 */
import { MAX_BPF_STACK } from '@ea/ebpf';
import { type Bounds, known, sameBounds, UNKNOWN, within } from './scalar.js';

/** Names a register's type, in the kernel's reg_type_str spelling. */
export type RegType = 'not_init' | 'scalar' | 'ctx' | 'fp' | 'map_ptr' | 'map_value' | 'map_value_or_null' | 'pkt' | 'pkt_meta' | 'pkt_end' | 'mem';

/** Is one register: its type, the value (scalar) or variable offset (pointer), and pointer facts. */
export interface Reg {
  readonly type: RegType;
  /** A scalar's value, or a pointer's variable offset (0 when none). */
  readonly b: Bounds;
  /** A pointer's fixed offset. */
  readonly off: number;
  /** Ties registers that are copies: a NULL check or a packet range applies to all with the id. */
  readonly id: number;
  /** Packet pointers: bytes proven readable from the packet start plus `off` of the compared pointer. */
  readonly range: number;
  /** map_ptr, map_value(_or_null): the map's index; mem: its size in bytes. */
  readonly map: number;
  /** fp: the frame the stack pointer points into. */
  readonly frame: number;
}

/** A stack byte never written (enum bpf_stack_slot_type). */
export const STACK_INVALID = 0;
/** A stack byte written with unknown data. */
export const STACK_MISC = 1;
/** A stack byte known to be zero. */
export const STACK_ZERO = 2;
/** A stack byte of a spilled register. */
export const STACK_SPILL = 3;

/** Is one call frame (struct bpf_func_state). */
export interface Frame {
  readonly regs: Reg[];
  /** Byte types of the 512 stack bytes; index i is fp - 512 + i. */
  readonly stack: Uint8Array;
  /** The register spilled in each 8-byte slot (slot i covers bytes 8i..8i+7). */
  readonly spills: (Reg | undefined)[];
  /** The pc of the call that made this frame (-1 for the entry frame). */
  readonly callsite: number;
  /** The first pc of this frame's subprogram. */
  readonly subprog: number;
}

/** A state kept at a prune point: complete when no path through it is still being explored. */
export interface Snapshot {
  readonly frames: readonly Frame[];
  branches: number;
  readonly parent: Snapshot | null;
  /** How often it pruned a path, and how often it was compared in vain (for eviction). */
  hits: number;
  misses: number;
}

/** Is the state of one path. */
export interface State {
  frames: Frame[];
  parent: Snapshot | null;
}

/** The uninitialised register. */
export const NOT_INIT: Reg = { type: 'not_init', b: UNKNOWN, off: 0, id: 0, range: 0, map: -1, frame: 0 };

/** Returns a scalar register. */
export const scalar = (b: Bounds, id = 0): Reg => ({ ...NOT_INIT, type: 'scalar', b, id });
/** Returns a pointer register with no variable part. */
export const pointer = (type: RegType, fields: Partial<Reg> = {}): Reg => ({ ...NOT_INIT, type, b: known(0n), ...fields });

/** Tells whether a register holds a pointer. */
export const isPointer = (r: Reg): boolean => r.type !== 'scalar' && r.type !== 'not_init';
/** Tells whether a pointer can be NULL. */
export const maybeNull = (r: Reg): boolean => r.type === 'map_value_or_null';
/** Tells whether the register is a packet pointer (data or meta). */
export const isPacket = (r: Reg): boolean => r.type === 'pkt' || r.type === 'pkt_meta';

/** Returns a fresh frame. */
export function newFrame(callsite: number, subprog: number, frameno: number): Frame {
  const regs = Array.from({ length: 11 }, () => NOT_INIT);
  regs[10] = pointer('fp', { frame: frameno });
  return { regs, stack: new Uint8Array(MAX_BPF_STACK), spills: new Array<Reg | undefined>(MAX_BPF_STACK / 8).fill(undefined), callsite, subprog };
}

/** Copies a frame (registers and stack are mutable per path). */
export const copyFrame = (f: Frame): Frame => ({ ...f, regs: f.regs.slice(), stack: f.stack.slice(), spills: f.spills.slice() });

/** Copies a state for a new path. */
export const copyState = (s: State): State => ({ frames: s.frames.map(copyFrame), parent: s.parent });

/** Calls `fn` on every register and spilled register of every frame, replacing it with the result. */
export function mapRegs(s: State, fn: (r: Reg) => Reg): void {
  for (const f of s.frames) {
    for (let i = 0; i < f.regs.length; i++) f.regs[i] = fn(f.regs[i]!);
    for (let i = 0; i < f.spills.length; i++) {
      const r = f.spills[i];
      if (r !== undefined) f.spills[i] = fn(r);
    }
  }
}

function sameReg(a: Reg, b: Reg): boolean {
  return a.type === b.type && a.off === b.off && a.id === b.id && a.range === b.range && a.map === b.map && a.frame === b.frame && sameBounds(a.b, b.b);
}

/** Tells whether two states are identical (the infinite-loop test of is_state_visited). */
export function statesIdentical(a: readonly Frame[], b: readonly Frame[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((fa, i) => {
    const fb = b[i]!;
    if (fa.callsite !== fb.callsite) return false;
    if (!fa.regs.every((r, j) => sameReg(r, fb.regs[j]!))) return false;
    for (let j = 0; j < fa.stack.length; j++) if (fa.stack[j] !== fb.stack[j]) return false;
    return fa.spills.every((r, j) => (r === undefined ? fb.spills[j] === undefined : fb.spills[j] !== undefined && sameReg(r, fb.spills[j]!)));
  });
}

/** Maps old ids to current ones consistently (check_ids). */
class IdMap {
  readonly #map = new Map<number, number>();
  readonly #used = new Map<number, number>();
  ok(old: number, cur: number): boolean {
    if (old === 0) return true;
    if (cur === 0) return false;
    const mapped = this.#map.get(old);
    if (mapped !== undefined) return mapped === cur;
    if (this.#used.has(cur)) return false;
    this.#map.set(old, cur);
    this.#used.set(cur, old);
    return true;
  }
}

/** Tells whether every concrete value of `cur` is one `old` was verified with (regsafe). */
function regSafe(old: Reg, cur: Reg, ids: IdMap): boolean {
  if (old.type === 'not_init') return true;
  if (old.type !== cur.type) return false;
  if (old.type === 'scalar') return within(old.b, cur.b) && ids.ok(old.id, cur.id);
  if (old.off !== cur.off || old.map !== cur.map || old.frame !== cur.frame) return false;
  if (!within(old.b, cur.b)) return false;
  // A packet pointer verified with a range needs at least that range now.
  if ((old.type === 'pkt' || old.type === 'pkt_meta') && cur.range < old.range) return false;
  return ids.ok(old.id, cur.id);
}

/**
 * Tells whether `cur` is covered by the verified `old` (states_equal), so its path can be pruned.
 * `live(frame)` gives the registers still read in that frame (bit r for register r).
 */
export function statesCovered(old: readonly Frame[], cur: readonly Frame[], live: (frame: number) => number): boolean {
  if (old.length !== cur.length) return false;
  const ids = new IdMap();
  for (let i = 0; i < old.length; i++) {
    const fo = old[i]!;
    const fc = cur[i]!;
    if (fo.callsite !== fc.callsite) return false;
    const mask = live(i);
    for (let r = 0; r < fo.regs.length; r++) if (((mask >> r) & 1) === 1 && !regSafe(fo.regs[r]!, fc.regs[r]!, ids)) return false;
    for (let j = 0; j < fo.stack.length; j++) {
      const o = fo.stack[j]!;
      const c = fc.stack[j]!;
      if (o === STACK_INVALID) continue;
      if (o === STACK_SPILL) {
        const so = fo.spills[j >> 3]!;
        const sc = fc.spills[j >> 3];
        if (c !== STACK_SPILL || sc === undefined || !regSafe(so, sc, ids)) return false;
        continue;
      }
      if (o === STACK_MISC) {
        if (c === STACK_MISC || c === STACK_ZERO || (c === STACK_SPILL && fc.spills[j >> 3]?.type === 'scalar')) continue;
        return false;
      }
      if (c !== STACK_ZERO) return false;
    }
  }
  return true;
}
