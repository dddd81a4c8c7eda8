/**
 * The layout computed by the DSL against gcc: once for our own C rendering of every
 * catalog struct, once against the real UAPI headers installed on this machine
 * (linux-libc-dev), member by member. Members the installed headers do not have yet
 * (e.g. perf's config3 in 6.1 headers) are reported and left out. Where the pinned
 * linux-libc-dev the syscall tables come from is unpacked (scripts/fetch-linux-headers.mjs,
 * .cache/linux-libc-dev or $EA_LINUX_HEADERS), every struct is compared again, leaving out only
 * the members that header renamed (RENAMED) and allowing only the growth it lists (GREW).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, type StructType, cDeclaration, cLayoutProbe, fieldOf, leafPaths, structs } from '@ea/layout';

function gccMissing(): string | null {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'gcc is not installed';
  }
}
const skip = gccMissing();
const dir = skip === null ? mkdtempSync(join(tmpdir(), 'ea-layout-')) : '';

function run(name: string, source: string, includes: readonly string[] = []): { out?: string; err?: string } {
  const c = join(dir, `${name}.c`);
  const bin = join(dir, name);
  writeFileSync(c, source);
  try {
    execFileSync('gcc', ['-std=gnu11', ...includes.flatMap((i) => ['-I', i]), '-o', bin, c], { stdio: 'pipe' });
  } catch (e) {
    return { err: String((e as { stderr?: Buffer }).stderr ?? e) };
  }
  return { out: execFileSync(bin, { encoding: 'utf8' }) };
}

function parse(out: string): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const line of out.trim().split('\n')) {
    const [k, a, b] = line.split(' ');
    m.set(k!, [Number(a), Number(b ?? 0)]);
  }
  return m;
}

const uniqueStructs = (): StructType[] => {
  const set = new Set<StructType>(Object.values(structs).filter((s): s is StructType => s.kind === 'struct'));
  for (const e of CATALOG.values()) set.add(e.struct);
  return [...set];
};

/** UAPI header for each kernel struct (the hypothetical ones have none). */
const HEADERS: Record<string, string> = {
  clone_args: 'linux/sched.h',
  open_how: 'linux/openat2.h',
  sched_attr: 'linux/sched/types.h',
  mount_attr: 'linux/mount.h',
  mnt_id_req: 'linux/mount.h',
  perf_event_attr: 'linux/perf_event.h',
  landlock_ruleset_attr: 'linux/landlock.h',
  xattr_args: 'linux/xattr.h',
  file_attr: 'linux/fs.h',
  seccomp_notif_addfd: 'linux/seccomp.h',
};

describe.skipIf(skip !== null)(`layout against gcc${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('matches gcc for our C rendering of every catalog struct', () => {
    for (const s of uniqueStructs()) {
      const tag = `ea_${s.name}`;
      const paths = leafPaths(s);
      const r = run(tag, cLayoutProbe(cDeclaration(s, tag), tag, paths, s.union));
      expect(r.err, s.name).toBeUndefined();
      const got = parse(r.out!);
      expect(got.get('sizeof')![0], `${s.name} sizeof`).toBe(s.size);
      for (const p of paths) {
        const f = fieldOf(s, p);
        expect(got.get(p), `${s.name}.${p}`).toEqual([f.offset, f.type.size]);
      }
    }
  });

  it('matches the installed UAPI headers member by member', () => {
    const skipped: string[] = [];
    let compared = 0;
    for (const [name, header] of Object.entries(HEADERS)) {
      const s = uniqueStructs().find((x) => x.name === name && x !== structs.open_how_next)!;
      let paths = [...leafPaths(s)];
      let r = run(`h_${name}`, cLayoutProbe(`#include <${header}>`, name, paths));
      if (r.err !== undefined && /(incomplete type|has no member)/.test(r.err) && /has no member/.test(r.err)) {
        const missing = new Set([...r.err.matchAll(/has no member named [‘'](\w+)[’']/g)].map((m) => m[1]!));
        paths = paths.filter((p) => !missing.has(p.split('.').at(-1)!));
        skipped.push(`${name}: ${[...missing].join(', ')} not in <${header}>`);
        r = run(`h_${name}`, cLayoutProbe(`#include <${header}>`, name, paths));
      }
      if (r.err !== undefined) {
        skipped.push(`${name}: not declared in the installed <${header}>`);
        continue;
      }
      const got = parse(r.out!);
      let end = 0;
      for (const p of paths) {
        const f = fieldOf(s, p);
        expect(got.get(p), `${name}.${p}`).toEqual([f.offset, f.type.size]);
        end = Math.max(end, f.offset + f.type.size);
        compared++;
      }
      const full = paths.length === leafPaths(s).length;
      expect(got.get('sizeof')![0], `${name} sizeof`).toBe(full ? s.size : Math.ceil(end / s.align) * s.align);
    }
    if (skipped.length > 0) console.info(`UAPI comparison left out (older linux-libc-dev):\n  ${skipped.join('\n  ')}`);
    expect(compared).toBeGreaterThan(40);
  });
});

/**
 * Members the pinned (7.3) headers spell differently from the 6.18 layout we model, with what
 * takes their place there; their neighbours are still compared.
 */
const RENAMED: Readonly<Record<string, string>> = {
  'mnt_id_req.spare': 'union { __u32 mnt_ns_fd; __u32 mnt_fd; }',
  'perf_event_attr.flags': 'the one-bit fields disabled, inherit, ... (a bit-field block, no member of that name)',
  'perf_event_attr.__reserved_3': 'three more one-bit fields and __reserved_3 : 29',
};
/** Structs the pinned headers extend past the 6.18 size we model (new versions at the end). */
const GREW: Readonly<Record<string, number>> = {
  perf_event_attr: 144, // PERF_ATTR_SIZE_VER9: config4
  landlock_ruleset_attr: 48, // quiet_access_fs, quiet_access_net, quiet_scoped
};

const root = join(import.meta.dirname, '..', '..', '..');
const pinned = process.env['EA_LINUX_HEADERS'] || join(root, '.cache', 'linux-libc-dev');
const noPinned =
  skip ?? (existsSync(join(pinned, 'DEBIAN', 'control')) ? null : `no linux-libc-dev unpacked at ${pinned} (node scripts/fetch-linux-headers.mjs)`);

describe.skipIf(noPinned !== null)(`layout against the pinned linux-libc-dev${noPinned ? ` (skipped: ${noPinned})` : ''}`, () => {
  it('matches every struct member by member, leaving out only members the header renamed', () => {
    const includes = [join(pinned, 'usr', 'include', 'x86_64-linux-gnu'), join(pinned, 'usr', 'include')];
    for (const [name, header] of Object.entries(HEADERS)) {
      const s = uniqueStructs().find((x) => x.name === name && x !== structs.open_how_next)!;
      const paths = leafPaths(s).filter((p) => RENAMED[`${name}.${p}`] === undefined);
      const r = run(`p_${name}`, cLayoutProbe(`#include <${header}>`, name, paths), includes);
      expect(r.err, `${name} in <${header}>`).toBeUndefined();
      const got = parse(r.out!);
      for (const p of paths) {
        const f = fieldOf(s, p);
        expect(got.get(p), `${name}.${p}`).toEqual([f.offset, f.type.size]);
      }
      expect(got.get('sizeof')![0], `${name} sizeof`).toBe(GREW[name] ?? s.size);
    }
  });
});
