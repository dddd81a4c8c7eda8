import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  LayoutError,
  array,
  clone_args,
  eaSyscall,
  fieldOf,
  pad,
  pahole,
  perf_event_attr,
  ptr,
  sched_attr,
  seed_open_how,
  struct,
  u16,
  u32,
  u64,
  u8,
  union,
  versionSize,
} from '@ea/layout';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof LayoutError) return e.code;
    throw e;
  }
  return undefined;
}

describe('struct layout (x86_64 System V)', () => {
  it('aligns members and rounds the size to the struct alignment', () => {
    const s = struct('t', [
      ['a', u8],
      ['b', u64],
      ['c', u16],
    ]);
    expect(fieldOf(s, 'b').offset).toBe(8);
    expect(fieldOf(s, 'c').offset).toBe(16);
    expect(s.size).toBe(24);
    expect(s.align).toBe(8);
  });

  it('lays out arrays, padding, unions and nested structs', () => {
    const inner = struct('in', [
      ['x', u32],
      ['y', u8],
    ]);
    const s = struct('t', [
      ['a', array(u8, 3)],
      [null, pad(1)],
      ['n', inner],
      ['u', union('uu', [['w', u64], ['h', u16]])],
    ]);
    expect(fieldOf(s, 'n').offset).toBe(4);
    expect(fieldOf(s, 'n.y').offset).toBe(8);
    expect(inner.size).toBe(8);
    expect(fieldOf(s, 'u').offset).toBe(16);
    expect(fieldOf(s, 'u.h').offset).toBe(16);
    expect(s.size).toBe(24);
  });

  it('computes the catalog sizes the kernel publishes', () => {
    expect(clone_args.size).toBe(88);
    expect(fieldOf(clone_args, 'set_tid').offset).toBe(64);
    expect(sched_attr.size).toBe(56);
    expect(fieldOf(sched_attr, 'sched_util_min').offset).toBe(48);
    expect(perf_event_attr.size).toBe(136);
    expect(fieldOf(perf_event_attr, 'config2').offset).toBe(64);
    expect(fieldOf(perf_event_attr, 'sample_max_stack').offset).toBe(108);
    expect(fieldOf(perf_event_attr, 'config3').offset).toBe(128);
    expect(seed_open_how.size).toBe(72);
    for (const e of CATALOG.values()) {
      expect(e.struct.size, e.name).toBe(e.ksize);
      expect(e.versions.at(-1)!.size, e.name).toBe(e.ksize);
      // every version ends on a member boundary
      for (const v of e.versions) {
        expect(
          e.struct.members.some((m) => m.offset + m.type.size === v.size),
          `${e.name} ${v.name}`,
        ).toBe(true);
      }
    }
  });

  it('looks up syscalls and versions, with typed errors', () => {
    expect(versionSize(eaSyscall('clone3'), 1)).toBe(80);
    expect(versionSize(eaSyscall('clone3'), 'ver2')).toBe(88);
    expect(versionSize(eaSyscall('perf_event_open'), 8)).toBe(136);
    expect(code(() => eaSyscall('nope'))).toBe('UNKNOWN_SYSCALL');
    expect(code(() => versionSize(eaSyscall('clone3'), 3))).toBe('UNKNOWN_VERSION');
  });

  it('refuses malformed descriptions with typed errors naming the field', () => {
    expect(code(() => struct('e', []))).toBe('BAD_TYPE');
    expect(code(() => struct('d', [['a', u8], ['a', u32]]))).toBe('DUPLICATE_FIELD');
    expect(code(() => struct('p', [['p', ptr(u8, { kind: 'bytes', field: 'len' })]]))).toBe('BAD_LENGTH_FIELD');
    expect(code(() => array(u8, 0))).toBe('BAD_TYPE');
    expect(code(() => array(u8, Number.NaN))).toBe('BAD_TYPE');
    expect(code(() => pad(-1))).toBe('BAD_TYPE');
    expect(code(() => struct('n', [['1x', u8]]))).toBe('BAD_TYPE');
    try {
      struct('p', [
        ['a', u64],
        ['p', ptr(u8, { kind: 'count', field: 'a.b' })],
      ]);
    } catch (e) {
      expect(e).toBeInstanceOf(LayoutError);
      expect((e as LayoutError).field).toBe('p');
      expect((e as LayoutError).offset).toBe(8);
    }
  });

  it('prints a pahole-style layout with holes and pointer targets', () => {
    const s = struct('h', [
      ['a', u8],
      ['b', u64],
    ]);
    const text = pahole(s);
    expect(text).toContain('/* XXX 7 bytes hole, try to pack */');
    expect(text).toContain('/* size: 16, cachelines: 1, members: 2 */');
    const clone = pahole(clone_args);
    expect(clone).toMatch(/set_tid;\s+\/\*\s+64\s+8 in -> __s32\[set_tid_size\] \*\//);
    expect(clone).toContain('--- cacheline 1 boundary (64 bytes) ---');
    expect(pahole(clone_args, 64)).toContain('members: 8');
  });
});
