/**
 * Embeds an @ea/policy check block (guard and checks, see ea.ts) into the profile's assembler:
 * its relative jumps become labels, so the assembler may still place trampolines anywhere,
 * and its three exits (pass, deny, tail) become jumps to the caller's labels.
 */
import { assertNever } from '@ea/bpf';
import type { CheckBlock } from '@ea/policy';
import type { Assembler, AsmItem, Label } from './asm.js';

/** Where the exits of an embedded block lead. */
export interface BlockExits {
  readonly pass: Label;
  readonly deny: Label;
  readonly tail: Label;
}

/** Emits `block` into `asm` with its exits routed to `exits`. */
export function embedBlock(asm: Assembler, block: CheckBlock, exits: BlockExits): void {
  const inside = new Map<number, Label>();
  const target = (pc: number): Label => {
    if (pc === block.exits.pass) return exits.pass;
    if (pc === block.exits.deny) return exits.deny;
    if (pc === block.exits.tail) return exits.tail;
    if (pc < 0 || pc >= block.body) throw new Error(`check block jumps to ${pc}, outside its body of ${block.body}`);
    let l = inside.get(pc);
    if (l === undefined) {
      l = asm.label();
      inside.set(pc, l);
    }
    return l;
  };
  const items: AsmItem[] = [];
  for (let pc = 0; pc < block.body; pc++) {
    const i = block.insns[pc]!;
    switch (i.kind) {
      case 'jmp':
        if (i.src !== 'k') throw new Error(`check block: jump on X at ${pc}`);
        items.push({ op: 'jmp', cmp: i.op, k: i.k, t: target(pc + 1 + i.jt), f: target(pc + 1 + i.jf) });
        break;
      case 'ja':
        items.push({ op: 'ja', target: target(pc + 1 + i.k) });
        break;
      case 'ret_k':
        items.push({ op: 'ret', k: i.k });
        break;
      case 'ld_abs':
      case 'ld_ind':
      case 'ld_tailzero':
      case 'tax':
      case 'alu':
      case 'ld_imm':
      case 'ld_mem':
      case 'ld_len':
      case 'ldx_imm':
      case 'ldx_mem':
      case 'ldx_len':
      case 'ldx_msh':
      case 'st':
      case 'stx':
      case 'neg':
      case 'ret_a':
      case 'txa':
        items.push({ op: 'insn', insn: i });
        break;
      case 'unknown':
        throw new Error(`check block: unknown code 0x${i.code.toString(16)} at ${pc}`);
      default:
        assertNever(i);
    }
  }
  // One item per instruction: item n is the block's pc n.
  items.forEach((item, pc) => {
    const l = inside.get(pc);
    if (l !== undefined) asm.place(l);
    asm.emit(item);
  });
  // The body's last instruction falls into `pass` only when it is not a jump or return.
  const last = block.body === 0 ? undefined : block.insns[block.body - 1]!;
  if (last === undefined || (last.kind !== 'jmp' && last.kind !== 'ja' && last.kind !== 'ret_k' && last.kind !== 'ret_a')) {
    asm.emit({ op: 'ja', target: exits.pass });
  }
}
