/**
 * A tiny forward-only label assembler for the filters the builder emits. Classic BPF jumps
 * only forward, conditional offsets fit in a u8 and `ja` in a u32 (bpf_check_classic), so
 * every label must be placed after its uses and within reach; the assembler checks both and
 * names the label when it cannot.
 */
import { type Insn, type JmpOp, assertNever, codeOf, insn } from '@ea/bpf';

/** A jump target: a label name, or `next` for the following instruction. */
export type Target = string;

/** The pseudo-label meaning "fall through to the next instruction". */
export const NEXT: Target = '';

type Item =
  | { readonly kind: 'insn'; readonly insn: Insn }
  | { readonly kind: 'jmp'; readonly op: JmpOp; readonly k: number; readonly jt: Target; readonly jf: Target }
  | { readonly kind: 'ja'; readonly to: Target }
  | { readonly kind: 'label'; readonly name: string };

/** Reports a label that is undefined, defined twice, behind its jump, or out of a u8's reach. */
export class AssembleError extends Error {
  override readonly name = 'AssembleError';
}

/** Collects instructions and labels, then resolves jumps into a plain Insn[]. */
export class Assembler {
  private readonly items: Item[] = [];
  private fresh = 0;

  /** Returns a label name not used before (for generated control flow). */
  newLabel(hint: string): string {
    this.fresh += 1;
    return `${hint}.${this.fresh}`;
  }

  /** Appends `ld [k]` (LD W ABS). */
  ldAbs(k: number): this {
    return this.raw(insn(codeOf({ kind: 'ld_abs', size: 'w' }), 0, 0, k));
  }

  /** Appends `ld [x + k]` (LD W IND). */
  ldInd(k: number): this {
    return this.raw(insn(codeOf({ kind: 'ld_ind', size: 'w' }), 0, 0, k));
  }

  /** Appends the EA tail-zero load: A = caller's struct bytes [k, usize) all zero. */
  ldTailZero(k: number): this {
    return this.raw(insn(codeOf({ kind: 'ld_tailzero' }), 0, 0, k));
  }

  /** Appends `and #k`. */
  and(k: number): this {
    return this.raw(insn(codeOf({ kind: 'alu', op: 'and', src: 'k' }), 0, 0, k));
  }

  /** Appends `rsh #k`. */
  rsh(k: number): this {
    return this.raw(insn(codeOf({ kind: 'alu', op: 'rsh', src: 'k' }), 0, 0, k));
  }

  /** How many instructions have been appended so far (labels excluded). */
  get count(): number {
    return this.items.reduce((n, item) => (item.kind === 'label' ? n : n + 1), 0);
  }

  /** Appends `tax`. */
  tax(): this {
    return this.raw(insn(codeOf({ kind: 'tax' }), 0, 0, 0));
  }

  /** Appends `ret #k`. */
  ret(k: number): this {
    return this.raw(insn(codeOf({ kind: 'ret_k' }), 0, 0, k));
  }

  /** Appends a conditional jump on A against the constant k. */
  jmp(op: JmpOp, k: number, jt: Target, jf: Target): this {
    this.items.push({ kind: 'jmp', op, k: k >>> 0, jt, jf });
    return this;
  }

  /** Appends an unconditional jump. */
  ja(to: Target): this {
    this.items.push({ kind: 'ja', to });
    return this;
  }

  /** Places a label at the next instruction. */
  label(name: string): this {
    this.items.push({ kind: 'label', name });
    return this;
  }

  /** Appends an already-built instruction. */
  raw(i: Insn): this {
    this.items.push({ kind: 'insn', insn: i });
    return this;
  }

  /** Resolves labels and returns the program. */
  build(): Insn[] {
    const where = new Map<string, number>();
    let pc = 0;
    for (const item of this.items) {
      if (item.kind === 'label') {
        if (where.has(item.name)) throw new AssembleError(`label ${item.name} defined twice`);
        where.set(item.name, pc);
      } else {
        pc += 1;
      }
    }
    const out: Insn[] = [];
    const offset = (from: number, to: Target, max: number): number => {
      if (to === NEXT) return 0;
      const at = where.get(to);
      if (at === undefined) throw new AssembleError(`undefined label ${to}`);
      const off = at - from - 1;
      if (off < 0) throw new AssembleError(`label ${to} is behind the jump at ${from}`);
      if (off > max) throw new AssembleError(`label ${to} is ${off} instructions away from ${from} (max ${max})`);
      return off;
    };
    for (const item of this.items) {
      const at = out.length;
      switch (item.kind) {
        case 'label':
          break;
        case 'insn':
          out.push(item.insn);
          break;
        case 'jmp':
          out.push(
            insn(codeOf({ kind: 'jmp', op: item.op, src: 'k' }), offset(at, item.jt, 255), offset(at, item.jf, 255), item.k),
          );
          break;
        case 'ja':
          out.push(insn(codeOf({ kind: 'ja' }), 0, 0, offset(at, item.to, 0xffffffff)));
          break;
        default:
          assertNever(item);
      }
    }
    return out;
  }
}
