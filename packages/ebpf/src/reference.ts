/**
 * The reference engine: runs a checked program instruction by instruction with registers as
 * unsigned 64-bit bigints. BigInt is 100x slower than int32 pairs but exact with no carry tricks,
 * which is what a reference needs: the fast interpreter (interpret.ts) and the JIT share the pair
 * arithmetic of pair.ts, and this engine, written independently on alu.ts, is what catches a bug
 * in it. It also runs traced runs (`onStep`), whose callback wants the registers as bigints.
 * Calls follow the eBPF convention: r1-r5 arguments, r0 result, r6-r9 and r10 preserved across a
 * local call, each frame with its own 512 bytes of stack, at most MAX_CALL_FRAMES deep. The kernel
 * makes r1-r5 unreadable after a call; here the caller gets its own r1-r5 back (after a helper call
 * too), which is the cheapest rule for a JIT that compiles each function separately.
 */
import { alu, byteOrder, compare, imm64, signExtend } from './alu.js';
import type { CheckedProgram } from './check.js';
import { EbpfRunError } from './errors.js';
import { legacyLoadAt } from './legacy.js';
import type { HelperRegistry, HelperResult } from './helpers.js';
import { assertNever, type Insn, lddwValue, type Operand, SIZE_BYTES } from './insn.js';
import { framePointer, Memory, pointer, REGION_CTX, REGION_EXTRA } from './memory.js';
import { MAX_CALL_FRAMES } from './opcodes.js';

const M64 = 0xffffffffffffffffn;

/** Options of one run. */
export interface RunOptions {
  /** Helpers by id (none by default: any call is an `unknown_helper` error). */
  readonly helpers?: HelperRegistry;
  /** Extra regions (map values), tags 3, 4, ... and lddw src 2/6 index. */
  readonly regions?: readonly Uint8Array[];
  /** Instructions a run may execute before it stops with a `budget` error (default: unlimited). */
  readonly budget?: number;
  /** Calling convention: `ubpf` (default) r1 = context, r2 = its length; `ctx` r1 = context only. */
  readonly convention?: 'ubpf' | 'ctx';
  /** Called before each instruction with the pc and the registers (for tracing). */
  readonly onStep?: (pc: number, regs: readonly bigint[]) => void;
}

interface Frame {
  readonly returnPc: number;
  readonly saved: readonly bigint[];
}

/** Returns the initial registers of a run: r1/r2 per convention, r10 the entry frame pointer. */
export function entryRegisters(ctxLength: number, convention: 'ubpf' | 'ctx' = 'ubpf'): bigint[] {
  const regs = new Array<bigint>(11).fill(0n);
  regs[1] = pointer(REGION_CTX, 0);
  if (convention === 'ubpf') regs[2] = BigInt(ctxLength);
  regs[10] = framePointer(0);
  return regs;
}

/** Runs a program on `input` (the context region; writable) with BigInt registers; returns r0 as an unsigned 64-bit bigint. */
export function interpretReference(program: CheckedProgram, input: Uint8Array, options: RunOptions = {}): bigint {
  if (!(input instanceof Uint8Array)) throw new EbpfRunError('bad_input', -1, 'the input must be a Uint8Array');
  const memory = new Memory(input, options.regions ?? []);
  try {
    return run(program, input, memory, options);
  } finally {
    memory.release();
  }
}

function run(program: CheckedProgram, input: Uint8Array, memory: Memory, options: RunOptions): bigint {
  const regs = entryRegisters(input.byteLength, options.convention);
  const frames: Frame[] = [];
  const insns = program.insns;
  const budget = options.budget ?? Number.POSITIVE_INFINITY;
  let steps = 0;
  let pc = 0;
  const reg = (r: number): bigint => regs[r]!;
  const immediates = immediateCache(program);
  const operand = (o: Operand, width: 32 | 64): bigint => ('reg' in o ? reg(o.reg) : width === 64 ? immediates(o.imm) : BigInt(o.imm >>> 0));
  const callHelper = (id: bigint, at: number): HelperResult => {
    const helper = id <= 0xffffffffn ? options.helpers?.get(Number(id)) : undefined;
    if (helper === undefined) throw new EbpfRunError('unknown_helper', at, `no helper ${id}`);
    return helper([reg(1), reg(2), reg(3), reg(4), reg(5)], memory, at);
  };
  for (;;) {
    if (++steps > budget) throw new EbpfRunError('budget', pc, `more than ${budget} instructions`);
    const insn = insns[pc] as Insn; // check() proved every reachable pc starts an instruction
    options.onStep?.(pc, regs);
    let next = pc + 1;
    switch (insn.kind) {
      case 'alu':
        regs[insn.dst] = alu(insn.op, insn.width, reg(insn.dst), operand(insn.src, insn.width));
        break;
      case 'neg':
        regs[insn.dst] = alu('sub', insn.width, 0n, reg(insn.dst));
        break;
      case 'movsx':
        regs[insn.dst] = signExtend(reg(insn.src), insn.bits, insn.width);
        break;
      case 'end':
        regs[insn.dst] = byteOrder(insn.order, insn.bits, reg(insn.dst));
        break;
      case 'ldx': {
        const bytes = SIZE_BYTES[insn.size];
        const v = memory.load((reg(insn.src) + BigInt(insn.off)) & M64, bytes, pc);
        regs[insn.dst] = insn.signed ? BigInt.asIntN(bytes * 8, v) & M64 : v;
        break;
      }
      case 'st':
        memory.store((reg(insn.dst) + BigInt(insn.off)) & M64, SIZE_BYTES[insn.size], imm64(insn.imm), pc);
        break;
      case 'stx':
        memory.store((reg(insn.dst) + BigInt(insn.off)) & M64, SIZE_BYTES[insn.size], reg(insn.src), pc);
        break;
      case 'atomic':
        atomic(insn, memory, regs, pc);
        break;
      case 'lddw':
        regs[insn.dst] = insn.pseudo === 0 ? lddwValue(insn) : pointer(REGION_EXTRA + (insn.lo >>> 0), insn.hi);
        if (insn.pseudo !== 0 && insn.lo >>> 0 >= (options.regions?.length ?? 0)) {
          throw new EbpfRunError('out_of_bounds', pc, `lddw names region ${insn.lo >>> 0}, the run has ${options.regions?.length ?? 0}`);
        }
        next = pc + 2;
        break;
      case 'ldabs':
      case 'ldind': {
        // Legacy packet loads (bpf_gen_ld_abs: bpf_skb_load_helper_{8,16,32}, see legacy.ts):
        // network byte order, and a load the kernel's helper fails ends the program with r0 = 0.
        const bytes = SIZE_BYTES[insn.size];
        const base = insn.kind === 'ldind' ? Number(reg(insn.src) & 0xffffffffn) : 0;
        const at = legacyLoadAt((base + insn.imm) | 0, bytes, input.byteLength);
        if (at < 0) return 0n;
        const view = memory.views[0]!;
        regs[0] = BigInt(bytes === 1 ? view.getUint8(at) : bytes === 2 ? view.getUint16(at) : view.getUint32(at));
        break;
      }
      case 'ja':
        next = pc + 1 + insn.off;
        break;
      case 'jmp':
        if (compare(insn.op, insn.width, reg(insn.dst), operand(insn.src, insn.width))) next = pc + 1 + insn.off;
        break;
      case 'call':
      case 'callx': {
        const result = callHelper(insn.kind === 'call' ? BigInt(insn.helper >>> 0) : reg(insn.reg), pc);
        if (typeof result !== 'bigint') return result.exit & M64;
        regs[0] = result & M64;
        break;
      }
      case 'call_local':
        if (frames.length + 1 >= MAX_CALL_FRAMES) throw new EbpfRunError('call_depth', pc, `more than ${MAX_CALL_FRAMES} frames`);
        frames.push({ returnPc: pc + 1, saved: regs.slice(1, 11) });
        regs[10] = framePointer(frames.length);
        next = pc + 1 + insn.off;
        break;
      case 'exit': {
        const frame = frames.pop();
        if (frame === undefined) return reg(0);
        for (let i = 0; i < 10; i++) regs[1 + i] = frame.saved[i]!;
        next = frame.returnPc;
        break;
      }
      default:
        assertNever(insn);
    }
    pc = next;
  }
}

const caches = new WeakMap<CheckedProgram, (imm: number) => bigint>();

/** Returns a memo of the 64-bit values of a program's immediates (BigInt conversions dominate short runs). */
function immediateCache(program: CheckedProgram): (imm: number) => bigint {
  let cached = caches.get(program);
  if (cached === undefined) {
    const values = new Map<number, bigint>();
    cached = (imm) => {
      let v = values.get(imm);
      if (v === undefined) {
        v = imm64(imm);
        values.set(imm, v);
      }
      return v;
    };
    caches.set(program, cached);
  }
  return cached;
}

/** Applies an atomic read-modify-write (kernel ___bpf_prog_run's ATOMIC cases). */
function atomic(insn: Extract<Insn, { kind: 'atomic' }>, memory: Memory, regs: bigint[], pc: number): void {
  const bytes = insn.size === 'dw' ? 8 : 4;
  const width = insn.size === 'dw' ? 64 : 32;
  const address = (regs[insn.dst]! + BigInt(insn.off)) & M64;
  const old = memory.load(address, bytes, pc);
  const src = regs[insn.src]!;
  switch (insn.op) {
    case 'add':
    case 'or':
    case 'and':
    case 'xor':
      memory.store(address, bytes, alu(insn.op, width, old, src), pc);
      if (insn.fetch) regs[insn.src] = old;
      return;
    case 'xchg':
      memory.store(address, bytes, src, pc);
      regs[insn.src] = old;
      return;
    case 'cmpxchg': {
      const expected = width === 64 ? regs[0]! : regs[0]! & 0xffffffffn;
      if (old === expected) memory.store(address, bytes, src, pc);
      regs[0] = old;
      return;
    }
    default:
      assertNever(insn.op);
  }
}
