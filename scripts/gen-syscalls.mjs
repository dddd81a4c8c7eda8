#!/usr/bin/env node
/**
 * Generates packages/seccomp/src/generated/syscalls-<arch>.ts (syscall name -> number) from the
 * kernel's own UAPI headers as Debian ships them: linux-libc-dev for the x86 family and the
 * linux-libc-dev-<arch>-cross packages for the others. The C preprocessor does the work, so
 * asm-generic's __NR3264_* indirections and x32's __X32_SYSCALL_BIT come out exactly as a
 * compiler for that architecture would see them:
 *
 *   1. `gcc -E -dM -undef <arch defines>` lists every __NR_* macro the arch's <asm/unistd.h> defines;
 *   2. `gcc -E -P` expands `__NR_<name>` for each of them to a constant expression;
 *   3. the expression (integer literals, + - and parentheses only) is evaluated here.
 *
 * Usage: node scripts/gen-syscalls.mjs [--out DIR] [--check] [ARCH...]
 *   --out DIR   write there instead of packages/seccomp/src/generated
 *   --check     write nothing; exit 1 if a committed file differs from what would be generated
 * Needs: gcc, linux-libc-dev, linux-libc-dev-{arm64,armhf,riscv64,s390x,ppc64el}-cross.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One entry per generated table. `include` is the directory holding asm/unistd.h, `defines` are the
 * predefined macros of a compiler for that ABI that the headers test (everything else is dropped
 * with -undef so the host's __x86_64__ cannot leak into another arch).
 */
export const TARGETS = [
  { arch: 'x86_64', pkg: 'linux-libc-dev', include: '/usr/include/x86_64-linux-gnu', defines: ['__x86_64__', '__LP64__'] },
  { arch: 'i386', pkg: 'linux-libc-dev', include: '/usr/include/x86_64-linux-gnu', defines: ['__i386__'] },
  { arch: 'x32', pkg: 'linux-libc-dev', include: '/usr/include/x86_64-linux-gnu', defines: ['__x86_64__', '__ILP32__'] },
  {
    arch: 'aarch64',
    pkg: 'linux-libc-dev-arm64-cross',
    include: '/usr/aarch64-linux-gnu/include',
    defines: ['__aarch64__', '__LP64__', '__SIZEOF_POINTER__=8', '__CHAR_BIT__=8', '__SIZEOF_LONG__=8'],
  },
  {
    arch: 'arm',
    pkg: 'linux-libc-dev-armhf-cross',
    include: '/usr/arm-linux-gnueabihf/include',
    defines: ['__arm__', '__ARM_EABI__', '__SIZEOF_POINTER__=4', '__CHAR_BIT__=8', '__SIZEOF_LONG__=4'],
  },
  {
    arch: 'riscv64',
    pkg: 'linux-libc-dev-riscv64-cross',
    include: '/usr/riscv64-linux-gnu/include',
    defines: ['__riscv', '__riscv_xlen=64', '__LP64__', '__SIZEOF_POINTER__=8', '__CHAR_BIT__=8', '__SIZEOF_LONG__=8'],
  },
  {
    arch: 's390x',
    pkg: 'linux-libc-dev-s390x-cross',
    include: '/usr/s390x-linux-gnu/include',
    defines: ['__s390__', '__s390x__', '__LP64__', '__SIZEOF_POINTER__=8', '__CHAR_BIT__=8', '__SIZEOF_LONG__=8'],
  },
  {
    arch: 'ppc64',
    pkg: 'linux-libc-dev-ppc64el-cross',
    include: '/usr/powerpc64le-linux-gnu/include',
    defines: ['__powerpc__', '__powerpc64__', '__LP64__', '__SIZEOF_POINTER__=8', '__CHAR_BIT__=8', '__SIZEOF_LONG__=8'],
  },
];

/** __NR_* macros that are bases or counts, not syscalls. */
const NOT_SYSCALLS = new Set(['syscalls', 'arch_specific_syscall', 'BASE']);

function gccArgs(target) {
  return ['-E', '-undef', '-nostdinc', '-I', target.include, ...target.defines.map((d) => `-D${d}`)];
}

function packageVersion(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', `-f=${'$'}{Version}`, pkg], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Why this target cannot be generated here, or null. */
export function missing(target) {
  return existsSync(join(target.include, 'asm', 'unistd.h')) ? null : `${target.pkg} is not installed (${target.include}/asm/unistd.h)`;
}

/** Evaluates the preprocessed expression of one macro: literals, + - and parentheses only. */
function evaluate(expr, name) {
  const tokens = expr.match(/0[xX][0-9a-fA-F]+|\d+|[()+-]|\S/g) ?? [];
  let pos = 0;
  const primary = () => {
    const t = tokens[pos++];
    if (t === '(') {
      const v = sum();
      if (tokens[pos++] !== ')') throw new Error(`${name}: unbalanced '(' in ${expr}`);
      return v;
    }
    if (t === '-') return -primary();
    if (t !== undefined && /^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return Number(t);
    throw new Error(`${name}: cannot evaluate ${JSON.stringify(expr)} (token ${t})`);
  };
  const sum = () => {
    let v = primary();
    while (tokens[pos] === '+' || tokens[pos] === '-') {
      const op = tokens[pos++];
      v = op === '+' ? v + primary() : v - primary();
    }
    return v;
  };
  const v = sum();
  if (pos !== tokens.length) throw new Error(`${name}: trailing tokens in ${expr}`);
  return v;
}

/** Returns [[name, number], ...] sorted by number then name. */
export function syscallsOf(target) {
  const dir = mkdtempSync(join(tmpdir(), 'gen-syscalls-'));
  try {
    const header = join(dir, 'names.c');
    writeFileSync(header, '#include <asm/unistd.h>\n');
    const macros = execFileSync('gcc', [...gccArgs(target), '-dM', header], { encoding: 'utf8' });
    const names = [];
    for (const line of macros.split('\n')) {
      // `__ARM_NR_*` are ARM's private calls (cacheflush, set_tls...); upper-case names are bases.
      const m = /^#define (__NR_|__ARM_NR_)(\w+)\s/.exec(line);
      if (m === null || NOT_SYSCALLS.has(m[2]) || /[A-Z]/.test(m[2])) continue;
      names.push({ macro: `${m[1]}${m[2]}`, name: m[2] });
    }
    const probe = join(dir, 'values.c');
    writeFileSync(probe, ['#include <asm/unistd.h>', ...names.map((n) => `EA_SYSCALL ${n.name} = ${n.macro} ;`)].join('\n'));
    const expanded = execFileSync('gcc', [...gccArgs(target), '-P', probe], { encoding: 'utf8' });
    const out = new Map();
    for (const line of expanded.split('\n')) {
      const m = /^EA_SYSCALL (\w+) = (.*) ;$/.exec(line.trim());
      if (m === null) continue;
      const nr = evaluate(m[2], m[1]);
      if (!Number.isSafeInteger(nr) || nr < 0 || nr > 0xffffffff) throw new Error(`${m[1]}: ${nr} is not a u32`);
      out.set(m[1], nr);
    }
    if (out.size !== names.length) throw new Error(`${target.arch}: expanded ${out.size} of ${names.length} macros`);
    return [...out].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders one generated module. */
export function render(target) {
  const entries = syscallsOf(target);
  const ident = `SYSCALLS_${target.arch.toUpperCase()}`;
  const cmd = `gcc ${gccArgs(target).join(' ')} <asm/unistd.h>`;
  return [
    `// Generated by scripts/gen-syscalls.mjs from ${target.pkg} ${packageVersion(target.pkg)}: do not edit.`,
    `// Command: ${cmd}`,
    `// ${entries.length} syscalls, sorted by number. Regenerate with: node scripts/gen-syscalls.mjs ${target.arch}`,
    '',
    `/** Syscall numbers of ${target.arch}, by name, from the kernel's UAPI headers. */`,
    `export const ${ident}: Readonly<Record<string, number>> = {`,
    ...entries.map(([name, nr]) => `  ${name}: ${nr > 0xffff ? `0x${nr.toString(16)}` : nr},`),
    '};',
    '',
  ].join('\n');
}

function main(argv) {
  let outDir = join(root, 'packages', 'seccomp', 'src', 'generated');
  let check = false;
  const wanted = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') outDir = argv[++i];
    else if (argv[i] === '--check') check = true;
    else wanted.push(argv[i]);
  }
  const targets = wanted.length === 0 ? TARGETS : TARGETS.filter((t) => wanted.includes(t.arch));
  if (targets.length !== (wanted.length || TARGETS.length)) {
    process.stderr.write(`unknown arch; known: ${TARGETS.map((t) => t.arch).join(' ')}\n`);
    return 2;
  }
  let status = 0;
  for (const target of targets) {
    const why = missing(target);
    if (why !== null) {
      process.stderr.write(`${target.arch}: skipped, ${why}\n`);
      status = check ? status : 1;
      continue;
    }
    const file = join(outDir, `syscalls-${target.arch}.ts`);
    const text = render(target);
    if (check) {
      const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (old !== text) {
        process.stderr.write(`${target.arch}: ${file} differs from the generator's output\n`);
        status = 1;
      }
    } else {
      writeFileSync(file, text);
      process.stderr.write(`${target.arch}: wrote ${file}\n`);
    }
  }
  return status;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
