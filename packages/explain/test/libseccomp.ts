/**
 * Filters generated here by libseccomp through its Python bindings (Debian's python3-seccomp):
 * a policy with 32- and 64-bit argument rules (EQ, NE, LT, LE, GT, GE, MASKED_EQ), for x86_64
 * alone or with i386 and x32, at optimisation level 1 (linear) or 2 (binary tree). Tests skip with
 * a clear message where the bindings are missing; .ci/run installs them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProgram, type Insn } from '@ea/bpf';

const PYTHON = '/usr/bin/python3';

/** Returns why libseccomp's Python bindings cannot run here, or null. */
export function libseccompUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (apt-get install python3)`;
  try {
    execFileSync(PYTHON, ['-c', 'import seccomp'], { stdio: 'ignore' });
  } catch {
    return 'python3-seccomp is not installed (apt-get install python3-seccomp)';
  }
  return null;
}

/** One rule: action (ALLOW, ERRNO(n), KILL, TRAP, LOG), syscall name, argument conditions as Python `Arg(...)` text. */
export interface Rule {
  readonly action: string;
  readonly name: string;
  readonly args?: readonly string[];
}

/** Options of a generated policy. */
export interface PolicyOptions {
  readonly defaultAction: string;
  /** Python `Arch` names added besides the native one (X86, X32, AARCH64, ...). */
  readonly arches?: readonly string[];
  readonly optimize: 1 | 2;
}

/** Compiles rules with libseccomp and returns the exported filter. Rules libseccomp refuses are skipped. */
export function libseccompFilter(rules: readonly Rule[], options: PolicyOptions): Insn[] {
  const dir = mkdtempSync(join(tmpdir(), 'ea-explain-'));
  try {
    const out = join(dir, 'filter.bpf');
    const lines = [
      'import sys',
      'from seccomp import *',
      `f = SyscallFilter(${options.defaultAction})`,
      ...(options.arches ?? []).map((a) => `f.add_arch(Arch.${a})`),
      `f.set_attr(Attr.CTL_OPTIMIZE, ${options.optimize})`,
      ...rules.map((r) => `try:\n    f.add_rule(${r.action}, ${JSON.stringify(r.name)}${(r.args ?? []).map((a) => `, ${a}`).join('')})\nexcept Exception:\n    pass`),
      `with open(sys.argv[1], 'wb') as o:\n    f.export_bpf(o)`,
    ];
    const script = join(dir, 'gen.py');
    writeFileSync(script, `${lines.join('\n')}\n`);
    execFileSync(PYTHON, [script, out], { stdio: 'pipe' });
    return decodeProgram(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A policy shaped like container defaults: many plain allows plus argument rules of every operator. */
export const RULES: readonly Rule[] = [
  ...['read', 'close', 'fstat', 'lseek', 'brk', 'rt_sigaction', 'rt_sigprocmask', 'getpid', 'exit_group', 'futex', 'openat', 'execve', 'clone3', 'io_uring_setup', 'io_uring_enter']
    .map((name) => ({ action: 'ALLOW', name })),
  { action: 'ALLOW', name: 'write', args: ['Arg(0, LE, 2)'] },
  { action: 'ERRNO(7)', name: 'write', args: ['Arg(2, GT, 0x100000000)'] },
  { action: 'ALLOW', name: 'mmap', args: ['Arg(2, MASKED_EQ, 0x4, 0)'] },
  { action: 'ALLOW', name: 'socket', args: ['Arg(0, LT, 38)'] },
  { action: 'ALLOW', name: 'socket', args: ['Arg(0, EQ, 39)'] },
  { action: 'ALLOW', name: 'socket', args: ['Arg(0, GT, 40)'] },
  { action: 'ALLOW', name: 'clone', args: ['Arg(0, MASKED_EQ, 0x7E020000, 0)'] },
  { action: 'ERRNO(13)', name: 'ioctl', args: ['Arg(1, EQ, 0x5412)'] },
  { action: 'ALLOW', name: 'personality', args: ['Arg(0, EQ, 0)'] },
  { action: 'ALLOW', name: 'personality', args: ['Arg(0, EQ, 0xffffffff)'] },
  { action: 'ALLOW', name: 'pread64', args: ['Arg(0, LT, 1024)', 'Arg(3, LE, 0xffffffffff)'] },
  { action: 'ALLOW', name: 'prctl', args: ['Arg(0, NE, 22)'] },
  { action: 'ALLOW', name: 'fcntl', args: ['Arg(1, GE, 0x80000000)'] },
  { action: 'TRAP', name: 'ptrace' },
  { action: 'KILL', name: 'kexec_load' },
  { action: 'LOG', name: 'uname' },
];
