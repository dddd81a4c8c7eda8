/**
 * A tiny assembler for generated filters: instructions jump to labels, and jumps that do not fit
 * the 8-bit jt/jf offsets of classic BPF are routed through a trampoline placed right after the
 * jump: a copy of the `ret` when the target is one, else a `ja` (whose offset is 32 bits).
 */
import {
  BPF_ABS,
  BPF_ALU,
  BPF_AND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  type Insn,
  jump,
  stmt,
} from '@ea/bpf';

/** A jump target. */
export interface Label {
  readonly id: number;
}

/** A conditional jump's comparison. */
export type JumpOp = 'jeq' | 'jgt' | 'jge' | 'jset';

/** One instruction before label resolution. */
export type AsmItem =
  | { readonly op: 'ld'; readonly k: number }
  | { readonly op: 'and'; readonly k: number }
  | { readonly op: 'jmp'; readonly cmp: JumpOp; readonly k: number; t: Label; f: Label }
  | { readonly op: 'ja'; readonly target: Label }
  | { readonly op: 'ret'; readonly k: number }
  /** Any other jump-free instruction, kept as built (the `ea` profile's ld [x + k], tax, ldtz from @ea/policy). */
  | { readonly op: 'insn'; readonly insn: Insn }
  | { readonly op: 'label'; readonly label: Label };

const JUMP_CODES: Readonly<Record<JumpOp, number>> = { jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET };
/** The largest jt/jf offset. */
const MAX_OFFSET = 255;

/** Collects instructions and labels. */
export class Assembler {
  readonly items: AsmItem[] = [];
  private next = 0;

  /** Makes a new, not yet placed, label. */
  label(): Label {
    return { id: this.next++ };
  }

  /** Places a label before the next instruction. */
  place(label: Label): void {
    this.items.push({ op: 'label', label });
  }

  /** Appends an instruction. */
  emit(item: AsmItem): void {
    this.items.push(item);
  }
}

function isInsn(item: AsmItem): boolean {
  return item.op !== 'label';
}

/** Resolves labels (adding trampolines for long jumps) and returns the instructions. */
export function assemble(source: readonly AsmItem[]): Insn[] {
  const items: AsmItem[] = source.map((i) => (i.op === 'jmp' ? { ...i } : i));
  // What a label leads to: a `ret k` lets a far jump use a copy of it instead of a `ja`.
  const retAt = new Map<number, number>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.op !== 'label') continue;
    let j = i;
    while (j < items.length && items[j]!.op === 'label') j++;
    const target = items[j];
    if (target !== undefined && target.op === 'ret') retAt.set(it.label.id, target.k);
  }
  let trampolines = -1;
  for (;;) {
    const pos = new Map<number, number>();
    const index: number[] = [];
    let pc = 0;
    for (const it of items) {
      if (it.op === 'label') pos.set(it.label.id, pc);
      else index.push(pc++);
    }
    // Every `ret k` by k, with its (start-of-pass) position: a far jump to a return may land on
    // any copy of it within reach.
    const retsByK = new Map<number, { pos: number; item: AsmItem }[]>();
    {
      let p = 0;
      for (const it of items) {
        if (it.op === 'label') continue;
        if (it.op === 'ret') {
          const list = retsByK.get(it.k) ?? [];
          retsByK.set(it.k, list);
          list.push({ pos: p, item: it });
        }
        p++;
      }
    }
    // Insert trampolines from the end: positions before the insertion point stay valid in this
    // pass; positions after it are at most `inserted` too small, which reuse accounts for.
    let changed = false;
    let inserted = 0;
    let at = pc;
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i]!;
      if (!isInsn(it)) continue;
      at--;
      if (it.op !== 'jmp') continue;
      for (const side of ['t', 'f'] as const) {
        const target = it[side];
        const dest = pos.get(target.id);
        if (dest === undefined) throw new Error(`label ${target.id} was never placed`);
        if (dest - at - 1 + inserted <= MAX_OFFSET) continue;
        const k = retAt.get(target.id);
        const near = k === undefined ? undefined : retsByK.get(k)?.find((r) => r.pos > at && r.pos - at - 1 + inserted <= MAX_OFFSET);
        if (near !== undefined) {
          const where = items.indexOf(near.item);
          const prev = items[where - 1];
          let label: Label;
          if (prev !== undefined && prev.op === 'label') {
            label = prev.label;
          } else {
            label = { id: trampolines-- };
            items.splice(where, 0, { op: 'label', label });
          }
          retAt.set(label.id, k!);
          it[side] = label;
          changed = true;
          continue;
        }
        // A new copy goes into the last gap in reach (after a ret or ja, where nothing falls
        // through), so that earlier far jumps can share it; else right after the jump.
        const tramp: Label = { id: trampolines-- };
        const copy: AsmItem = k === undefined ? { op: 'ja', target } : { op: 'ret', k };
        let gap = i + 1;
        let p = at;
        for (let j = i + 1; j < items.length; j++) {
          const x = items[j]!;
          if (x.op === 'label') continue;
          p++;
          if (p - at - 1 + inserted > MAX_OFFSET - 1) break;
          if (x.op === 'ret' || x.op === 'ja') gap = j + 1;
        }
        items.splice(gap, 0, { op: 'label', label: tramp }, copy);
        inserted++;
        if (k !== undefined) {
          retAt.set(tramp.id, k);
          const list = retsByK.get(k) ?? [];
          retsByK.set(k, list);
          list.push({ pos: p, item: copy });
        }
        it[side] = tramp;
        changed = true;
      }
    }
    if (!changed) return encode(items, pos);
  }
}

function encode(items: readonly AsmItem[], pos: ReadonlyMap<number, number>): Insn[] {
  const out: Insn[] = [];
  for (const it of items) {
    const pc = out.length;
    switch (it.op) {
      case 'label':
        break;
      case 'ld':
        out.push(stmt(BPF_LD | BPF_W | BPF_ABS, it.k));
        break;
      case 'and':
        out.push(stmt(BPF_ALU | BPF_AND | BPF_K, it.k));
        break;
      case 'jmp':
        out.push(jump(BPF_JMP | JUMP_CODES[it.cmp] | BPF_K, it.k, pos.get(it.t.id)! - pc - 1, pos.get(it.f.id)! - pc - 1));
        break;
      case 'ja':
        out.push(stmt(BPF_JMP | BPF_JA, pos.get(it.target.id)! - pc - 1));
        break;
      case 'ret':
        out.push(stmt(BPF_RET | BPF_K, it.k));
        break;
      case 'insn':
        out.push(it.insn);
        break;
    }
  }
  return out;
}
