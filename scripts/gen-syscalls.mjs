#!/usr/bin/env node
/**
 * Generates packages/seccomp/src/generated/syscalls-<arch>.ts (syscall name -> number) and
 * generated/source.ts (which headers, which kernel) from the kernel's own UAPI headers as Debian
 * ships them in linux-libc-dev. Since Linux 6.5 that package is Architecture: all and carries every
 * architecture's asm/ headers under usr/include/<triplet>, so one exact package version gives every
 * table. The C preprocessor does the work, so asm-generic's __NR3264_* indirections and x32's
 * __X32_SYSCALL_BIT come out exactly as a compiler for that architecture would see them:
 *
 *   1. `gcc -E -dM -undef <arch defines>` lists every __NR_* macro the arch's <asm/unistd.h> defines;
 *   2. `gcc -E -P` expands `__NR_<name>` for each of them to a constant expression;
 *   3. the expression (integer literals, + - and parentheses only) is evaluated here.
 *
 * The headers are read from a directory ROOT holding the package's files (ROOT/usr/include/...):
 * `dpkg-deb -R linux-libc-dev_<version>_all.deb ROOT` makes one, and its DEBIAN/control names the
 * version; ROOT=/ reads the installed package (version from dpkg-query). The default,
 * .cache/linux-libc-dev in the repository, is what scripts/fetch-linux-headers.mjs makes (the
 * pinned version, checked by SHA256; .ci/run runs it).
 *
 * Usage: node scripts/gen-syscalls.mjs [--root ROOT] [--out DIR] [--check] [ARCH...]
 *   --root ROOT  the headers (default: $EA_LINUX_HEADERS, else .cache/linux-libc-dev)
 *   --out DIR    write there instead of packages/seccomp/src/generated
 *   --check      write nothing; exit 1 if a committed file differs from what would be generated
 * Needs: gcc, and linux-libc-dev 6.5 or later (Architecture: all) at ROOT.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The package the tables come from, and where its files are unless --root says otherwise. */
export const PACKAGE = 'linux-libc-dev';
export const DEFAULT_ROOT = process.env.EA_LINUX_HEADERS || join(repo, '.cache', 'linux-libc-dev');

/** Predefined macros every LP64 compiler has that the headers may test. */
const LP64 = ['__SIZEOF_POINTER__=8', '__CHAR_BIT__=8', '__SIZEOF_LONG__=8'];

/**
 * One entry per generated table. `triplet` names the directory under <root>/usr/include holding
 * that ABI's asm/unistd.h; `defines` are the predefined macros of a compiler for that ABI that the
 * headers test (everything else is dropped with -undef so the host's __x86_64__ cannot leak into
 * another arch). The ppc64el headers serve both ppc64 flavours: numbers do not depend on byte order.
 */
export const TARGETS = [
  { arch: 'x86_64', triplet: 'x86_64-linux-gnu', defines: ['__x86_64__', '__LP64__'] },
  { arch: 'i386', triplet: 'i386-linux-gnu', defines: ['__i386__'] },
  { arch: 'x32', triplet: 'x86_64-linux-gnux32', defines: ['__x86_64__', '__ILP32__'] },
  { arch: 'aarch64', triplet: 'aarch64-linux-gnu', defines: ['__aarch64__', '__LP64__', ...LP64] },
  { arch: 'arm', triplet: 'arm-linux-gnueabihf', defines: ['__arm__', '__ARM_EABI__', '__SIZEOF_POINTER__=4', '__CHAR_BIT__=8', '__SIZEOF_LONG__=4'] },
  { arch: 'riscv64', triplet: 'riscv64-linux-gnu', defines: ['__riscv', '__riscv_xlen=64', '__LP64__', ...LP64] },
  { arch: 's390x', triplet: 's390x-linux-gnu', defines: ['__s390__', '__s390x__', '__LP64__', ...LP64] },
  { arch: 'ppc64', triplet: 'powerpc64le-linux-gnu', defines: ['__powerpc__', '__powerpc64__', '__LP64__', ...LP64] },
];

/** __NR_* macros that are bases or counts, not syscalls. */
const NOT_SYSCALLS = new Set(['syscalls', 'arch_specific_syscall', 'BASE']);

/** The include directories of one target under `root` (`<root>` in the comment we print). */
function includes(target, root) {
  return [join(root, 'usr', 'include', target.triplet), join(root, 'usr', 'include')];
}

function gccArgs(target, root) {
  return ['-E', '-undef', '-nostdinc', ...includes(target, root).flatMap((d) => ['-I', d]), ...target.defines.map((d) => `-D${d}`)];
}

/**
 * The Debian version of the package at `root`: its DEBIAN/control (dpkg-deb -R) or, for the
 * installed package, dpkg-query.
 */
export function packageVersion(root) {
  const control = join(root, 'DEBIAN', 'control');
  if (existsSync(control)) {
    const text = readFileSync(control, 'utf8');
    const pkg = /^Package: (\S+)$/m.exec(text)?.[1];
    const version = /^Version: (\S+)$/m.exec(text)?.[1];
    if (pkg !== PACKAGE || version === undefined) throw new Error(`${control} does not describe ${PACKAGE}`);
    return version;
  }
  if (root !== '/') throw new Error(`${control} is missing: unpack the package with dpkg-deb -R`);
  try {
    return execFileSync('dpkg-query', ['-W', `-f=${'$'}{Version}`, PACKAGE], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${PACKAGE} is not installed`);
  }
}

/** The kernel release (major.minor) a linux-libc-dev version packages: 7.3.4-1~bpo13+1 -> 7.3. */
export function kernelOf(version) {
  const m = /^(\d+)\.(\d+)[.-]/.exec(version);
  if (m === null) throw new Error(`cannot read a kernel release from ${PACKAGE} ${version}`);
  return `${m[1]}.${m[2]}`;
}

/** Why this target cannot be generated from `root`, or null. */
export function missing(target, root) {
  const header = join(root, 'usr', 'include', target.triplet, 'asm', 'unistd.h');
  return existsSync(header) ? null : `${header} is missing (${PACKAGE} 6.5 or later, unpacked with dpkg-deb -R)`;
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
export function syscallsOf(target, root) {
  const dir = mkdtempSync(join(tmpdir(), 'gen-syscalls-'));
  try {
    const header = join(dir, 'names.c');
    writeFileSync(header, '#include <asm/unistd.h>\n');
    const macros = execFileSync('gcc', [...gccArgs(target, root), '-dM', header], { encoding: 'utf8' });
    const names = [];
    for (const line of macros.split('\n')) {
      // `__ARM_NR_*` are ARM's private calls (cacheflush, set_tls...); upper-case names are bases.
      const m = /^#define (__NR_|__ARM_NR_)(\w+)\s/.exec(line);
      if (m === null || NOT_SYSCALLS.has(m[2]) || /[A-Z]/.test(m[2])) continue;
      names.push({ macro: `${m[1]}${m[2]}`, name: m[2] });
    }
    const probe = join(dir, 'values.c');
    writeFileSync(probe, ['#include <asm/unistd.h>', ...names.map((n) => `EA_SYSCALL ${n.name} = ${n.macro} ;`)].join('\n'));
    const expanded = execFileSync('gcc', [...gccArgs(target, root), '-P', probe], { encoding: 'utf8' });
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
export function render(target, root, version) {
  const entries = syscallsOf(target, root);
  const ident = `SYSCALLS_${target.arch.toUpperCase()}`;
  // The command as run, with the headers' directory written <root> (no machine path in the repo).
  const cmd = `gcc ${gccArgs(target, '<root>').join(' ')} <asm/unistd.h>`;
  return [
    `// Generated by scripts/gen-syscalls.mjs from ${PACKAGE} ${version}: do not edit.`,
    `// Command: ${cmd}`,
    `// ${entries.length} syscalls, sorted by number. Regenerate with: node scripts/gen-syscalls.mjs --root <root> ${target.arch}`,
    '',
    `/** Syscall numbers of ${target.arch}, by name, from the kernel's UAPI headers. */`,
    `export const ${ident}: Readonly<Record<string, number>> = {`,
    ...entries.map(([name, nr]) => `  ${name}: ${nr > 0xffff ? `0x${nr.toString(16)}` : nr},`),
    '};',
    '',
  ].join('\n');
}

/** Renders generated/source.ts: which package the tables come from and the kernel it packages. */
export function renderSource(version) {
  return [
    `// Generated by scripts/gen-syscalls.mjs from ${PACKAGE} ${version}: do not edit.`,
    '',
    '/** Names the headers every generated syscall table comes from, and the kernel release they package. */',
    'export const SYSCALL_TABLES_SOURCE = {',
    `  package: '${PACKAGE}',`,
    `  version: '${version}',`,
    `  kernel: '${kernelOf(version)}',`,
    '} as const;',
    '',
  ].join('\n');
}

function main(argv) {
  let outDir = join(repo, 'packages', 'seccomp', 'src', 'generated');
  let root = DEFAULT_ROOT;
  let check = false;
  const wanted = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') outDir = argv[++i];
    else if (argv[i] === '--root') root = argv[++i];
    else if (argv[i] === '--check') check = true;
    else wanted.push(argv[i]);
  }
  const targets = wanted.length === 0 ? TARGETS : TARGETS.filter((t) => wanted.includes(t.arch));
  if (targets.length !== (wanted.length || TARGETS.length)) {
    process.stderr.write(`unknown arch; known: ${TARGETS.map((t) => t.arch).join(' ')}\n`);
    return 2;
  }
  let version;
  try {
    version = packageVersion(root);
    kernelOf(version);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const files = [];
  for (const target of targets) {
    const why = missing(target, root);
    if (why !== null) {
      process.stderr.write(`${target.arch}: ${why}\n`);
      return 1;
    }
    files.push([`syscalls-${target.arch}.ts`, render(target, root, version)]);
  }
  // Only a full run may say which package the tables come from.
  if (wanted.length === 0) files.push(['source.ts', renderSource(version)]);
  let status = 0;
  for (const [name, text] of files) {
    const file = join(outDir, name);
    if (check) {
      const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (old !== text) {
        process.stderr.write(`${file} differs from the generator's output\n`);
        status = 1;
      }
    } else {
      writeFileSync(file, text);
      process.stderr.write(`wrote ${file}\n`);
    }
  }
  return status;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
