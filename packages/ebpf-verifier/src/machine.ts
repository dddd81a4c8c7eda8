/**
 * The verifier's working context for one program: options, maps, the current path's state, the
 * id generator, and the register read/write rules every instruction goes through (check_reg_arg:
 * "R%d !read_ok" for a read of an unwritten register, "frame pointer is read only" for a write of
 * r10).
 */
import { EbpfVerifierError, type VerifierReason } from './errors.js';
import type { HelperProto, ProgType } from './protos.js';
import type { Frame, Reg, State } from './state.js';

/** Is what the verifier needs to know of one map (its kernel attributes). */
export interface MapShape {
  /** BPF_MAP_TYPE_* number. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly name?: string;
}

/** Options of a verification. */
export interface VerifyOptions {
  /** Program type (default `raw`). */
  readonly progType?: ProgType;
  /** The maps a `lddw` names: src 1/5 (map) and src 2/6 (a value of the map, `imm` = index, second `imm` = offset). */
  readonly maps?: readonly MapShape[];
  /** `raw` programs: bytes r1 points to (r2 holds the count); default 0. */
  readonly memSize?: number;
  /** Helper prototypes by id (default HELPER_PROTOS); add your own here. */
  readonly helpers?: ReadonlyMap<number, HelperProto>;
  /** The program's license (default GPL): GPL-only helpers need a GPL-compatible one. */
  readonly license?: string;
  /**
   * Root's view (default): CAP_PERFMON lets the kernel accept reads of uninitialised stack,
   * pointer comparisons and pointers stored in maps or returned. `false` models CAP_BPF without
   * CAP_PERFMON.
   */
  readonly privileged?: boolean;
  /** Instructions the walk may process before "BPF program is too large" (default 1,000,000, BPF_COMPLEXITY_LIMIT_INSNS). */
  readonly budget?: number;
}

/** Instructions processed at most (BPF_COMPLEXITY_LIMIT_INSNS; include/linux/bpf.h). */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** Pending branches before "The sequence of N jumps is too complex." */
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
/** Call frames at most (MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
/** BPF_MAX_VAR_OFF: a variable offset at or beyond this is refused. */
export const BPF_MAX_VAR_OFF = 1 << 29;
/** MAX_PACKET_OFF. */
export const MAX_PACKET_OFF = 0xffff;

/** Holds the path being walked and the rules shared by every instruction. */
export class Machine {
  state!: State;
  pc = 0;
  #ids = 0;
  constructor(
    readonly options: VerifyOptions,
    readonly progType: ProgType,
    readonly maps: readonly MapShape[],
    readonly privileged: boolean,
  ) {}

  /** Throws the refusal of the current instruction. */
  fail(reason: VerifierReason, log: string): never {
    throw new EbpfVerifierError(reason, this.pc, log);
  }

  /** Returns a fresh id (env->id_gen). */
  newId(): number {
    return ++this.#ids;
  }

  get frame(): Frame {
    return this.state.frames[this.state.frames.length - 1]!;
  }

  /** Reads a register that must be initialised (check_reg_arg SRC_OP). */
  read(r: number): Reg {
    const reg = this.frame.regs[r]!;
    if (reg.type === 'not_init') this.fail('not_init', `R${r} !read_ok`);
    return reg;
  }

  /** Peeks at a register without the initialisation check. */
  peek(r: number): Reg {
    return this.frame.regs[r]!;
  }

  /** Writes a register (check_reg_arg DST_OP): r10 is read-only. */
  write(r: number, value: Reg): void {
    if (r === 10) this.fail('write_fp', 'frame pointer is read only');
    this.frame.regs[r] = value;
  }

  /** Returns map `index` or refuses the instruction. */
  map(index: number): MapShape {
    const shape = this.maps[index];
    if (shape === undefined) this.fail('unsupported', `fd ${index} is not pointing to valid bpf_map`);
    return shape;
  }
}
