/**
 * Hand-assembled seccomp policies shaped like libseccomp's output, used until (or
 * where) the libseccomp-generated policies of @ea/testkit are missing: an
 * allow-list of every x86_64 syscall but the dangerous ones as a linear chain and
 * as a binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2's shape), a deny-list with ERRNO,
 * and a policy with 64-bit argument comparisons (high word, then low word).
 */
import {
  AUDIT_ARCH_X86_64,
  BPF_ABS,
  BPF_ALU,
  BPF_AND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_W,
  type Insn,
  jump,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  stmt,
} from '@ea/bpf';
import { DENIED_SYSCALLS, syscallNumber, syscallTable } from '@ea/seccomp';

const EPERM = 1;
const ERRNO_EPERM = (SECCOMP_RET_ERRNO | EPERM) >>> 0;
const OFF_NR = 0;
const OFF_ARCH = 4;
/** Low word of args[i] on a little-endian arch; the high word follows. */
const argLo = (i: number): number => 16 + 8 * i;
const argHi = (i: number): number => 16 + 8 * i + 4;

/** A tiny two-pass assembler: conditional jumps go to the next instruction or over one `ja`. */
class Asm {
  private readonly items: ({ insn: Insn } | { ja: string } | { label: string })[] = [];
  ld(off: number): this {
    this.items.push({ insn: stmt(BPF_LD | BPF_W | BPF_ABS, off) });
    return this;
  }
  and(k: number): this {
    this.items.push({ insn: stmt(BPF_ALU | BPF_AND | BPF_K, k) });
    return this;
  }
  ret(k: number): this {
    this.items.push({ insn: stmt(BPF_RET | BPF_K, k >>> 0) });
    return this;
  }
  /** If A op k, fall into the next instruction; otherwise skip it. */
  ifThen(op: number, k: number): this {
    this.items.push({ insn: jump(BPF_JMP | op | BPF_K, k >>> 0, 0, 1) });
    return this;
  }
  /** If not (A op k), fall through; otherwise skip the next instruction. */
  unless(op: number, k: number): this {
    this.items.push({ insn: jump(BPF_JMP | op | BPF_K, k >>> 0, 1, 0) });
    return this;
  }
  ja(label: string): this {
    this.items.push({ ja: label });
    return this;
  }
  label(name: string): this {
    this.items.push({ label: name });
    return this;
  }
  build(): Insn[] {
    const at = new Map<string, number>();
    let pc = 0;
    for (const item of this.items) {
      if ('label' in item) at.set(item.label, pc);
      else pc++;
    }
    const out: Insn[] = [];
    for (const item of this.items) {
      if ('insn' in item) out.push(item.insn);
      else if ('ja' in item) out.push(stmt(BPF_JMP | BPF_JA, at.get(item.ja)! - out.length - 1));
    }
    return out;
  }
}

function archCheck(a: Asm): Asm {
  return a.ld(OFF_ARCH).unless(BPF_JEQ, AUDIT_ARCH_X86_64).ret(SECCOMP_RET_KILL_PROCESS).ld(OFF_NR);
}

function allowed(): number[] {
  const denied = new Set(DENIED_SYSCALLS.map((n) => syscallNumber('x86_64', n)));
  return syscallTable('x86_64')
    .map(([, nr]) => nr)
    .filter((nr) => !denied.has(nr))
    .sort((a, b) => a - b);
}

function linearAllow(): Insn[] {
  const a = archCheck(new Asm());
  for (const nr of allowed()) a.ifThen(BPF_JEQ, nr).ret(SECCOMP_RET_ALLOW);
  return a.ret(ERRNO_EPERM).build();
}

function treeAllow(): Insn[] {
  const a = archCheck(new Asm());
  let labels = 0;
  const emit = (nrs: readonly number[]): void => {
    if (nrs.length <= 4) {
      for (const nr of nrs) a.ifThen(BPF_JEQ, nr).ret(SECCOMP_RET_ALLOW);
      a.ret(ERRNO_EPERM);
      return;
    }
    const mid = nrs.length >> 1;
    const right = `r${labels++}`;
    a.ifThen(BPF_JGE, nrs[mid]!).ja(right);
    emit(nrs.slice(0, mid));
    a.label(right);
    emit(nrs.slice(mid));
  };
  emit(allowed());
  return a.build();
}

function denyList(): Insn[] {
  const a = archCheck(new Asm());
  for (const name of DENIED_SYSCALLS) {
    const nr = syscallNumber('x86_64', name);
    if (nr !== undefined) a.ifThen(BPF_JEQ, nr).ret(ERRNO_EPERM);
  }
  return a.ret(SECCOMP_RET_ALLOW).build();
}

/** socket() only for AF_UNIX/AF_INET/AF_INET6, mmap/mprotect never with PROT_EXEC, ioctl only TCGETS/FIONREAD. */
function argumentChecks(): Insn[] {
  const nr = (name: string): number => syscallNumber('x86_64', name)!;
  const a = archCheck(new Asm());
  a.ifThen(BPF_JEQ, nr('socket')).ja('socket');
  for (const name of ['mmap', 'mprotect']) a.ifThen(BPF_JEQ, nr(name)).ja('prot');
  a.ifThen(BPF_JEQ, nr('ioctl')).ja('ioctl');
  for (const name of DENIED_SYSCALLS) {
    const n = syscallNumber('x86_64', name);
    if (n !== undefined) a.ifThen(BPF_JEQ, n).ret(ERRNO_EPERM);
  }
  a.ret(SECCOMP_RET_ALLOW);
  // 64-bit compares as libseccomp emits them: the high word first, then the low word.
  a.label('socket').ld(argHi(0)).unless(BPF_JEQ, 0).ret(ERRNO_EPERM).ld(argLo(0));
  for (const domain of [1, 2, 10]) a.ifThen(BPF_JEQ, domain).ret(SECCOMP_RET_ALLOW);
  a.ret(ERRNO_EPERM);
  a.label('prot').ld(argLo(2)).and(4).ifThen(BPF_JSET, 4).ret(ERRNO_EPERM).ret(SECCOMP_RET_ALLOW);
  a.label('ioctl').ld(argHi(1)).unless(BPF_JEQ, 0).ret(ERRNO_EPERM).ld(argLo(1));
  for (const request of [0x5401, 0x541b]) a.ifThen(BPF_JEQ, request).ret(SECCOMP_RET_ALLOW);
  return a.ret(ERRNO_EPERM).build();
}

/** Returns the hand-assembled policies by name. */
export function handPolicies(): { name: string; insns: Insn[] }[] {
  return [
    { name: 'hand: allow-list, linear (~340 syscalls)', insns: linearAllow() },
    { name: 'hand: allow-list, binary tree', insns: treeAllow() },
    { name: 'hand: deny-list, ERRNO', insns: denyList() },
    { name: 'hand: 64-bit argument checks', insns: argumentChecks() },
  ];
}
