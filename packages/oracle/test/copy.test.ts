/**
 * copy_struct_from_user and the per-syscall size rules of @ea/layout against the running
 * kernel: every case is run by c/copy_struct.c and predicted by the model, errno for errno
 * (and sched_setattr's size write-back byte for byte).
 */
import { describe, expect, it } from 'vitest';
import {
  AddressSpace,
  cloneArgsErrno,
  copyEaArgs,
  eaSyscall,
  landlockRulesetAttrErrno,
  mountAttrErrno,
  mountSetattrFlagsErrno,
  openHowErrno,
  schedAttrErrno,
} from '@ea/layout';
import { COPY_ORACLE_MAPPED, type CopyCase, type CopyOracleSyscall, oracleUnavailable, runCopyStructOracle } from '@ea/oracle';

const ERRNO: Record<number, string> = {
  3: 'ESRCH',
  7: 'E2BIG',
  9: 'EBADF',
  14: 'EFAULT',
  17: 'EEXIST',
  22: 'EINVAL',
  42: 'ENOMSG',
};
const BASE = 0x7f0000000000;
const NONEXISTENT_PID = 0x3fffffff;

function modelMemory(c: CopyCase): { mem: AddressSpace; addr: number } {
  const pages = new Uint8Array(COPY_ORACLE_MAPPED);
  const s = COPY_ORACLE_MAPPED - c.back;
  const dv = new DataView(pages.buffer);
  for (const [o, v] of c.bytes ?? []) if (o < c.back) pages[s + o] = v & 0xff;
  for (const [o, v] of c.u64s ?? []) if (o + 8 <= c.back) dv.setBigUint64(s + o, BigInt.asUintN(64, v), true);
  for (const [o, r] of c.pointers ?? []) if (o + 8 <= c.back) dv.setBigUint64(s + o, BigInt(BASE + r), true);
  for (const [r, v] of c.words ?? []) if (r + 4 <= COPY_ORACLE_MAPPED) dv.setUint32(r, v >>> 0, true);
  return { mem: new AddressSpace().map(BASE, pages), addr: BASE + s };
}

/** The model's prediction: an errno name, 'OK' (returned >= 0) or 'child', and the first u32 after. */
function predict(c: CopyCase): { result: string; after: number; after4: number } {
  const model = modelMemory(c);
  const mem = model.mem;
  const addr = c.nullPointer === true ? 0 : model.addr;
  const sys = eaSyscall(c.sys);
  const u = c.usize;
  const args: Record<CopyOracleSyscall, (number | bigint)[]> = {
    openat2: [2 ** 64 - 1, 0, addr, u],
    clone3: [addr, u],
    sched_setattr: [NONEXISTENT_PID, addr, 0],
    mount_setattr: [2 ** 64 - 1, 0, c.xflags ?? 0, addr, u],
    perf_event_open: [addr, 2 ** 64 - 1, 2 ** 64 - 1, 2 ** 64 - 1, 0],
    landlock_create_ruleset: [addr, u, 0],
  };
  const back = c.nullPointer === true ? 0 : c.back; // the helper reads nothing back through NULL
  const words = (result: string) => ({
    result,
    after: back >= 4 ? mem.readU32(addr) : -1,
    after4: back >= 8 ? mem.readU32(addr + 4) : -1,
  });
  if (c.sys === 'mount_setattr') {
    const e = mountSetattrFlagsErrno(c.xflags ?? 0);
    if (e !== null) return words(e);
  }
  const r = copyEaArgs(sys, args[c.sys], mem, true);
  if (!r.ok) return words(r.errno);
  let result: string;
  switch (c.sys) {
    case 'openat2':
      result = openHowErrno(r.bytes) ?? 'EBADF'; // dirfd -1 with a relative path
      break;
    case 'clone3': {
      const setTidSize = new DataView(r.bytes.buffer).getBigUint64(72, true);
      // set_tid = [1]: pid 1 exists, so alloc_pid fails with EEXIST; without set_tid a child is made
      result = cloneArgsErrno(r.bytes, r.usize, mem) ?? (setTidSize > 0n ? 'EEXIST' : 'child');
      if (result === 'child') return { result, after: -1, after4: -1 }; // the helper reports no words for a child
      break;
    }
    case 'sched_setattr':
      result = schedAttrErrno(r.bytes, r.usize) ?? 'ESRCH';
      break;
    case 'mount_setattr': {
      const e = mountAttrErrno(r.bytes);
      result = e === 'nop' ? 'OK' : (e ?? 'EBADF');
      break;
    }
    case 'perf_event_open':
      result = 'EINVAL'; // pid -1 with cpu -1: refused after the copy (the cases keep the attr zero)
      break;
    case 'landlock_create_ruleset':
      result = landlockRulesetAttrErrno(r.bytes) ?? 'OK'; // a ruleset fd (the helper closes it)
      break;
  }
  return words(result);
}

const VER0: Record<CopyOracleSyscall, number> = {
  openat2: 24,
  clone3: 64,
  sched_setattr: 48,
  mount_setattr: 32,
  perf_event_open: 64,
  landlock_create_ruleset: 8,
};
const ALL_SYSCALLS = Object.keys(VER0) as CopyOracleSyscall[];
/** Where the struct carries its own size (u32), if it does. */
const SIZE_FIELD: Partial<Record<CopyOracleSyscall, number>> = { sched_setattr: 0, perf_event_open: 4 };
const sizeBytes = (sys: CopyOracleSyscall, usize: number): [number, number][] => {
  const at = SIZE_FIELD[sys];
  return at === undefined ? [] : [0, 1, 2].map((i): [number, number] => [at + i, (usize >> (8 * i)) & 0xff]);
};

/** Sizes around every boundary, tails with a non-zero byte here and there, guard pages. */
function cases(): CopyCase[] {
  const out: CopyCase[] = [];
  for (const sys of ALL_SYSCALLS) {
    const k = eaSyscall(sys).ksize;
    const v0 = VER0[sys];
    const sizes = [...new Set([0, 1, 8, v0 - 1, v0, v0 + 8, k - 1, k, k + 1, k + 8, 4095, 4096, 4097, 8192])].filter(
      (s) => s >= 0,
    );
    // Contents that make the syscall fail after the copy (or do nothing).
    const base = (usize: number): Partial<CopyCase> => {
      switch (sys) {
        case 'clone3':
          return { pointers: [[64, 0]], u64s: [[72, 1n]], words: [[0, 1]] };
        case 'sched_setattr':
        case 'perf_event_open':
          return { bytes: sizeBytes(sys, usize) };
        case 'mount_setattr':
          return { bytes: [[0, 1]] }; // MOUNT_ATTR_RDONLY
        default:
          return {};
      }
    };
    const mk = (usize: number, back: number, extra: readonly (readonly [number, number])[] = []): CopyCase => {
      const b = base(usize);
      return { sys, back, usize: BigInt(usize), ...b, bytes: [...(b.bytes ?? []), ...extra] };
    };
    for (const usize of sizes) {
      out.push(mk(usize, 4096 + 2048));
      for (const at of [k, k + 3, Math.floor((k + usize) / 2), usize - 1]) {
        if (at >= k && at < usize && at < 8192) out.push(mk(usize, Math.min(8192, Math.max(usize, 4096)), [[at, 0x80]]));
      }
      // the struct ends past the guard: tail (or struct) unmapped
      for (const back of [usize - 1, usize - 8, k - 4, k, k + 4]) {
        if (back > 8 && back < usize && back <= 8192) {
          out.push(mk(usize, back));
          if (back - 1 >= k) out.push(mk(usize, back, [[back - 1, 1]]));
        }
      }
    }
    // a non-zero byte at every offset of the known struct (field checks after the copy)
    if (sys !== 'perf_event_open' && sys !== 'landlock_create_ruleset') {
      for (let at = 8; at < k; at += 4) out.push(mk(k, 4096, [[at, 1]]));
    }
  }
  // landlock_create_ruleset: every bit of each u64 of the 24-byte attr (6.18 knows 16 fs rights,
  // 2 net, 2 scopes; any other bit is EINVAL), and the same bits where usize stops before them.
  for (const field of [0, 8, 16]) {
    for (let bit = 0; bit < 64; bit++) {
      for (const usize of [24, field === 0 ? 16 : field]) {
        out.push({ sys: 'landlock_create_ruleset', back: 4096, usize: BigInt(usize), u64s: [[field, 1n << BigInt(bit)]] });
      }
    }
  }
  // A NULL pointer: copy_min_struct_from_user answers EFAULT before looking at the size, the
  // syscalls built on copy_struct_from_user check the size first.
  for (const usize of [0n, 1n, 7n, 8n, 24n, 4096n, 4097n, 2n ** 64n - 1n]) {
    out.push({ sys: 'landlock_create_ruleset', back: 4096, usize, nullPointer: true });
    out.push({ sys: 'openat2', back: 4096, usize, nullPointer: true });
    out.push({ sys: 'clone3', back: 4096, usize, nullPointer: true });
  }
  // more boundary shapes
  out.push({ sys: 'openat2', back: 4096, usize: 2n ** 64n - 1n });
  out.push({ sys: 'clone3', back: 4096, usize: 2n ** 32n + 88n, pointers: [[64, 0]], u64s: [[72, 1n]], words: [[0, 1]] });
  out.push({ sys: 'clone3', back: 4096, usize: 88n, pointers: [[64, 8192]], u64s: [[72, 1n]] }); // set_tid unmapped
  out.push({ sys: 'clone3', back: 4096, usize: 88n, pointers: [[64, 8190]], u64s: [[72, 1n]] }); // set_tid crosses the guard
  out.push({ sys: 'clone3', back: 4096, usize: 88n, pointers: [[64, 0]], u64s: [[72, 33n]] }); // > MAX_PID_NS_LEVEL
  out.push({ sys: 'clone3', back: 4096, usize: 88n, u64s: [[72, 1n]] }); // size without pointer
  out.push({ sys: 'clone3', back: 4096, usize: 88n, u64s: [[0, 1n << 33n], [80, 2n ** 31n]], pointers: [[64, 0]], words: [[0, 1]] });
  out.push({ sys: 'clone3', back: 4096, usize: 80n, u64s: [[0, 1n << 33n], [72, 1n]], pointers: [[64, 0]], words: [[0, 1]] });
  out.push({ sys: 'clone3', back: 4096, usize: 88n, u64s: [[32, 0x100n], [72, 1n]], pointers: [[64, 0]], words: [[0, 1]] });
  out.push({ sys: 'clone3', back: 4096, usize: 88n, u64s: [[32, 65n], [72, 1n]], pointers: [[64, 0]], words: [[0, 1]] });
  out.push({ sys: 'mount_setattr', back: 4096, usize: 5000n, xflags: 1, bytes: [[0, 1]] });
  out.push({ sys: 'mount_setattr', back: 4096, usize: 32n });
  out.push({ sys: 'mount_setattr', back: 4096, usize: 40n, bytes: [[33, 1]] });
  out.push({ sys: 'sched_setattr', back: 2, usize: 0n });
  out.push({ sys: 'sched_setattr', back: 4096, usize: 0n, bytes: [[0, 48], [8, 0x20]] }); // UTIL_CLAMP with VER0
  out.push({ sys: 'sched_setattr', back: 4096, usize: 0n, bytes: [[0, 56], [8, 0x20]] });
  out.push({ sys: 'sched_setattr', back: 4096, usize: 0n, bytes: [[0, 0], [1, 0x10], [2, 0], [3, 0]] }); // 4096
  out.push({ sys: 'sched_setattr', back: 4096, usize: 0n, bytes: [[0, 1], [1, 0x10]] }); // 4097
  out.push({ sys: 'sched_setattr', back: 4096, usize: 0n, bytes: [[0, 0xff], [1, 0xff], [2, 0xff], [3, 0xff]] });
  out.push({ sys: 'openat2', back: 4096, usize: 24n, bytes: [[0, 0x40], [8, 0xa4], [9, 0x01]] }); // O_CREAT 0644
  out.push({ sys: 'openat2', back: 4096, usize: 24n, bytes: [[16, 0x18]] });
  return out;
}

/** Random sizes, guard distances and non-zero tail bytes (deterministic; more with EA_FUZZ). */
function randomCases(n: number): CopyCase[] {
  let seed = 0x2020_0519;
  const rnd = (m: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % m;
  };
  const out: CopyCase[] = [];
  for (let i = 0; i < n; i++) {
    const sys = ALL_SYSCALLS[rnd(ALL_SYSCALLS.length)]!;
    const k = eaSyscall(sys).ksize;
    const usize = rnd(3) === 0 ? rnd(4200) : k + rnd(64) - 8;
    const back = rnd(2) === 0 ? 8192 : Math.max(0, usize - rnd(80));
    const bytes: [number, number][] = [];
    // non-zero bytes only beyond ksize: the copy rules, not the syscalls' field checks
    for (let j = rnd(3); j > 0; j--) if (usize > k) bytes.push([k + rnd(usize - k), 1 + rnd(255)]);
    const c: CopyCase = { sys, back, usize: BigInt(usize), bytes };
    // clone3's set_tid array sits at the start of the mapping: keep the struct clear of it
    if (sys === 'clone3') out.push({ ...c, back: Math.min(back, 6144), pointers: [[64, 0]], u64s: [[72, 1n]], words: [[0, 1]] });
    else if (sys === 'mount_setattr') out.push({ ...c, bytes: [[0, 1], ...bytes] });
    else if (SIZE_FIELD[sys] !== undefined) out.push({ ...c, bytes: [...sizeBytes(sys, usize), ...bytes] });
    else out.push(c);
  }
  return out;
}

const skip = oracleUnavailable();

describe.skipIf(skip !== null)(`copy_struct_from_user against the kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('predicts the errno of every crafted openat2/clone3/sched_setattr/mount_setattr/perf_event_open/landlock call', () => {
    const all = [...cases(), ...randomCases(process.env['EA_FUZZ'] ? 5000 : 300)];
    const seen = runCopyStructOracle(all);
    const mismatches: string[] = [];
    const tally = new Map<string, number>();
    all.forEach((c, i) => {
      const o = seen[i]!;
      const got = o.ret === 'child' ? 'child' : o.ret >= 0 ? 'OK' : (ERRNO[o.errno] ?? `errno ${o.errno}`);
      const want = predict(c);
      tally.set(`${c.sys} ${got}`, (tally.get(`${c.sys} ${got}`) ?? 0) + 1);
      if (got !== want.result || o.after !== want.after || o.after4 !== want.after4) {
        mismatches.push(
          `${JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}: kernel ${got} words ${o.after},${o.after4}; model ${want.result} words ${want.after},${want.after4}`,
        );
      }
    });
    console.info(`${all.length} kernel calls: ${[...tally].map(([k, n]) => `${k} x${n}`).join(', ')}`);
    expect(mismatches).toEqual([]);
    // every outcome the model distinguishes must have been seen
    for (const k of ['E2BIG', 'EINVAL', 'EFAULT', 'EBADF', 'ESRCH', 'EEXIST', 'ENOMSG']) {
      expect([...tally.keys()].some((t) => t.endsWith(` ${k}`)), k).toBe(true);
    }
  });
});
