/**
 * Tail merging of argument-check blocks. A block whose code is a suffix of another block's (the
 * same instructions, jumping to the same places) is not emitted: its label is placed inside the
 * other block, where that suffix starts. The common case is a 64-bit ABI's check next to a 32-bit
 * ABI's check of the same rule (x86_64 and x32, aarch64 and arm): the 64-bit one tests the high
 * word, then runs exactly the 32-bit one's code on the low word. libseccomp's gen_bpf shares such
 * blocks too (its `_gen_bpf_find_block` hashes each block and reuses an equal one), which is
 * where its filters were shorter than ours on small profiles.
 */
import type { AsmItem, Label } from './asm.js';

/** One block of code, entered only at its label, that never falls through its end. */
export interface CodeBlock {
  readonly label: Label;
  readonly items: readonly AsmItem[];
}

/**
 * Returns one string per instruction of a block, equal for two instructions exactly when they do
 * the same thing at the same distance from the ends of their blocks: targets inside the block are
 * written as that distance, targets outside by label.
 */
function canonical(items: readonly AsmItem[]): string[] {
  const inside = new Map<number, number>();
  let n = 0;
  for (const it of items) {
    if (it.op === 'label') inside.set(it.label.id, n);
    else n++;
  }
  const target = (l: Label): string => {
    const at = inside.get(l.id);
    return at === undefined ? `L${l.id}` : `@${n - at}`;
  };
  const out: string[] = [];
  for (const it of items) {
    switch (it.op) {
      case 'label':
        break;
      case 'ld':
      case 'and':
      case 'ret':
        out.push(`${it.op} ${it.k}`);
        break;
      case 'jmp':
        out.push(`${it.cmp} ${it.k} ${target(it.t)} ${target(it.f)}`);
        break;
      case 'ja':
        out.push(`ja ${target(it.target)}`);
        break;
      case 'insn':
        out.push(`insn ${it.insn.code} ${it.insn.jt} ${it.insn.jf} ${it.insn.k}`);
        break;
    }
  }
  return out;
}

function isSuffix(short: readonly string[], long: readonly string[]): boolean {
  if (short.length > long.length) return false;
  const off = long.length - short.length;
  return short.every((s, i) => s === long[off + i]);
}

/** Returns the items of `blocks` in their order, each block that is a suffix of a longer one merged into it. */
export function mergeTails(blocks: readonly CodeBlock[]): AsmItem[] {
  const canon = blocks.map((b) => canonical(b.items));
  const items = blocks.map((b) => [...b.items]);
  const merged = new Set<number>();
  // Longest first, so that a block is only ever merged into one that is emitted.
  const order = blocks.map((_, i) => i).sort((x, y) => canon[y]!.length - canon[x]!.length || x - y);
  const kept: number[] = [];
  for (const i of order) {
    const host = kept.find((k) => isSuffix(canon[i]!, canon[k]!));
    if (host === undefined) {
      kept.push(i);
      continue;
    }
    merged.add(i);
    // Place this block's label before the host's instruction where the suffix starts.
    const skip = canon[host]!.length - canon[i]!.length;
    const list = items[host]!;
    let seen = 0;
    let at = 0;
    while (at < list.length && (list[at]!.op === 'label' || seen < skip)) {
      if (list[at]!.op !== 'label') seen++;
      at++;
    }
    list.splice(at, 0, { op: 'label', label: blocks[i]!.label });
  }
  return items.flatMap((list, i) => (merged.has(i) ? [] : [{ op: 'label' as const, label: blocks[i]!.label }, ...list]));
}
