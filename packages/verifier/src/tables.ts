/**
 * Per-code lookup tables derived once from the shared OPCODES table, so the hot loops of the
 * checks index a Uint8Array by the 16-bit code instead of switching over shapes.
 */
import { assertNever, OPCODES, SKF_AD_OFF, ANCILLARY, type OpShape } from '@ea/bpf';

/** The code field is a u16: every possible value indexes these tables. */
export const CODE_SPACE = 0x10000;

/** What bpf_check_classic does with a code (0 = not in the table). */
export const Check = {
  Refused: 0,
  Plain: 1,
  DivModK: 2,
  ShiftK: 3,
  MemLoad: 4,
  MemStore: 5,
  Ja: 6,
  Cond: 7,
  LdAbs: 8,
} as const;
export type Check = (typeof Check)[keyof typeof Check];

/** What seccomp_check_filter (or our ea pass) does with a code. */
export const Pass = { Refused: 0, Allowed: 1, LdWordAbs: 2, TailZero: 3 } as const;
export type Pass = (typeof Pass)[keyof typeof Pass];

function classify(shape: OpShape): Check {
  switch (shape.kind) {
    case 'alu':
      if (shape.src === 'k' && (shape.op === 'div' || shape.op === 'mod')) return Check.DivModK;
      if (shape.src === 'k' && (shape.op === 'lsh' || shape.op === 'rsh')) return Check.ShiftK;
      return Check.Plain;
    case 'ld_mem':
    case 'ldx_mem':
      return Check.MemLoad;
    case 'st':
    case 'stx':
      return Check.MemStore;
    case 'ja':
      return Check.Ja;
    case 'jmp':
      return Check.Cond;
    case 'ld_abs':
      return Check.LdAbs;
    case 'ld_imm':
    case 'ld_ind':
    case 'ld_len':
    case 'ld_tailzero':
    case 'ldx_imm':
    case 'ldx_len':
    case 'ldx_msh':
    case 'neg':
    case 'ret_k':
    case 'ret_a':
    case 'tax':
    case 'txa':
      return Check.Plain;
    default:
      return assertNever(shape);
  }
}

function build(): { classic: Uint8Array; ea: Uint8Array; seccomp: Uint8Array; eaPass: Uint8Array } {
  const classic = new Uint8Array(CODE_SPACE);
  const ea = new Uint8Array(CODE_SPACE);
  const seccomp = new Uint8Array(CODE_SPACE);
  const eaPass = new Uint8Array(CODE_SPACE);
  for (const info of OPCODES.values()) {
    const check = classify(info.shape);
    if (info.classic) classic[info.code] = check;
    // The ea profile runs the classic pass with the tail-zero load added to the table.
    if (info.classic || info.ea) ea[info.code] = check;
    const wordAbs = info.shape.kind === 'ld_abs' && info.shape.size === 'w';
    if (info.seccomp) seccomp[info.code] = wordAbs ? Pass.LdWordAbs : Pass.Allowed;
    if (info.ea) {
      eaPass[info.code] = wordAbs ? Pass.LdWordAbs : info.shape.kind === 'ld_tailzero' ? Pass.TailZero : Pass.Allowed;
    }
  }
  return { classic, ea, seccomp, eaPass };
}

const TABLES = build();
/** bpf_check_classic's view of each code (chk_code_allowed plus the special cases). */
export const CLASSIC_CHECK: Uint8Array = TABLES.classic;
/** The same for the ea profile: classic plus the tail-zero load. */
export const EA_CHECK: Uint8Array = TABLES.ea;
/** seccomp_check_filter's view of each code. */
export const SECCOMP_PASS: Uint8Array = TABLES.seccomp;
/** Our ea pass: seccomp's set plus LD W IND and the tail-zero load. */
export const EA_PASS: Uint8Array = TABLES.eaPass;

/** The ancillary offsets bpf_anc_helper knows, as u32 `k` values. */
export const ANCILLARY_K: ReadonlySet<number> = new Set(ANCILLARY.map((a) => (SKF_AD_OFF + a.offset) >>> 0));

/** The two codes the last instruction may have: RET K and RET A. */
export const RET_CODES: ReadonlySet<number> = new Set(
  [...OPCODES.values()].filter((i) => i.shape.kind === 'ret_k' || i.shape.kind === 'ret_a').map((i) => i.code),
);
