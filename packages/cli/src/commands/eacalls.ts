/**
 * `ea-bpf run --profile ea --calls FILE`: EA syscalls with their memory, one JSON object per
 * line, flattened by @ea/layout as the kernel of the design would (docs/ea-image.md) before the
 * filter runs. A filter of the `ea` profile reads the caller's struct; without one it would see
 * an empty ea_meta and answer for a call that never happened (a "forbid CLONE_NEWUSER" filter
 * allowed every `--nr 435`), so `--nr`/`--inputs` refuse EA syscalls and point here.
 *
 *   {"syscall": "clone3", "fields": {"flags": "0x10000000", "exit_signal": 17}}
 *   {"syscall": "clone3", "version": "VER0", "fields": {...}}      a 64-byte caller
 *   {"syscall": "openat2", "bytes": "0000...", "args": [-100, "0x1000"]}
 *   {"syscall": "clone3", "pointer": "null", "size": 88}          the copy fails (EFAULT)
 *   {"syscall": "clone3", "fields": {"set_tid": "0x7f0000100000", "set_tid_size": 1},
 *    "memory": {"0x7f0000100000": "22000000"}}                    a pointee, in hex
 *   {"nr": 39}  or  {"syscall": "getpid"}                          a call without a struct
 */
import { type Address, AddressSpace, CATALOG, copyEaArgs, type EaSyscall, Flattener, type Strategy } from '@ea/layout';
import { pathFields, resolvePath } from '@ea/policy';
import { syscallNumber } from '@ea/seccomp';
import { clip } from '../output.js';
import { InputError, parseInteger, type RunArch } from './calls.js';

/** Where the caller's struct sits in the modelled memory. */
export const STRUCT_ADDRESS = 0x7f0000001000n;
/** An address nothing is mapped at (a `"pointer": "unmapped"` call). */
const UNMAPPED_ADDRESS = 0x7f00dead0000n;

/** One EA call, ready to flatten. */
export interface EaCallInput {
  readonly nr: number;
  /** null for a syscall the EA catalog does not know: the filter sees ea_meta all zero. */
  readonly sys: EaSyscall | null;
  readonly args: readonly bigint[];
  readonly memory: AddressSpace;
}

/** Returns the catalog entry for an x86_64 syscall number (hypothetical structs excluded), or null. */
export function eaSyscallOf(nr: number): EaSyscall | null {
  for (const e of CATALOG.values()) if (e.nr === nr && e.hypothetical !== true && e.size.kind !== 'ioctl') return e;
  return null;
}

const KEYS = new Set(['syscall', 'nr', 'version', 'fields', 'bytes', 'size', 'pointer', 'args', 'memory', 'ip']);

/** Parses one `--calls` line; throws InputError naming the line and what is wrong. */
export function parseEaCall(text: string, line: number, arch: RunArch): EaCallInput {
  const bad = (reason: string): never => {
    throw new InputError(line, 1, reason);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`not JSON: ${error instanceof Error ? clip(error.message) : 'parse error'}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('a call is a JSON object');
  const call = value as Record<string, unknown>;
  for (const key of Object.keys(call)) if (!KEYS.has(key)) bad(`unknown key ${clip(key)} (known: ${[...KEYS].join(', ')})`);
  const number = (v: unknown, what: string, bits: number): bigint => {
    if (typeof v === 'number' && Number.isSafeInteger(v)) v = String(v);
    if (typeof v !== 'string') return bad(`${what} must be a number or a decimal/0x-hex string`);
    const n = parseInteger(v, bits);
    return typeof n === 'string' ? bad(`${what}: ${n}`) : n;
  };

  // A name is a catalog entry (a call with a struct) or any syscall of the arch's table (a call
  // without one), so one file can carry a whole syscall mix; "nr" takes a number or a name.
  const resolve = (name: string, key: string): { nr: number; sys: EaSyscall | null } => {
    const e = CATALOG.get(name);
    if (e !== undefined && e.size.kind !== 'ioctl') return { nr: e.nr, sys: e };
    const n = arch.name === null ? undefined : syscallNumber(arch.name, name);
    if (n !== undefined) return { nr: n, sys: null };
    const known = [...CATALOG.values()].filter((x) => x.size.kind !== 'ioctl').map((x) => x.name);
    return bad(`${key} ${clip(name)} is neither an EA syscall (${known.join(', ')}) nor a syscall name of ${arch.name ?? 'this arch'}`);
  };
  const isName = (v: unknown): v is string => typeof v === 'string' && !/^-?[0-9]/.test(v.trim());
  let byName: { nr: number; sys: EaSyscall | null } | undefined;
  if (call['syscall'] !== undefined) {
    if (!isName(call['syscall'])) return bad('"syscall" must be a syscall name');
    byName = resolve(call['syscall'], 'syscall');
  }
  let nr: number;
  if (call['nr'] === undefined) nr = byName?.nr ?? bad('give "syscall" (a syscall name) or "nr"');
  else {
    const viaNr = isName(call['nr']) ? resolve(call['nr'], 'nr') : undefined;
    nr = viaNr?.nr ?? Number(number(call['nr'], 'nr', 32));
    if (byName === undefined) byName = viaNr;
    if (byName !== undefined && nr !== byName.nr) bad(`nr ${nr} is not ${String(call['syscall'])} (${byName.nr})`);
  }
  let sys: EaSyscall | null = byName?.sys ?? null;
  if (sys === null && byName === undefined) sys = eaSyscallOf(nr);
  if (arch.name !== 'x86_64' && sys !== null) bad('the EA catalog has x86_64 numbers: run EA calls with --arch x86_64');

  const rawArgs = call['args'] ?? [];
  if (!Array.isArray(rawArgs) || rawArgs.length > 6) return bad('"args" must be an array of at most 6 numbers');
  const args = [...rawArgs.map((a, i) => number(a, `args[${i}]`, arch.bits)), ...new Array<bigint>(6 - rawArgs.length).fill(0n)];
  const memory = new AddressSpace();
  const rawMemory = call['memory'] ?? {};
  if (typeof rawMemory !== 'object' || rawMemory === null || Array.isArray(rawMemory)) return bad('"memory" maps addresses to hex bytes');
  for (const [at, hex] of Object.entries(rawMemory)) {
    const bytes = typeof hex === 'string' ? hexBytes(hex) : null;
    if (bytes === null) return bad(`memory ${clip(at)}: the bytes must be a string of hex digit pairs`);
    mapOrFail(memory, number(at, `memory address ${clip(at)}`, 64), bytes, bad);
  }
  if (sys === null) {
    for (const key of ['version', 'fields', 'bytes', 'size', 'pointer']) if (call[key] !== undefined) bad(`"${key}": syscall ${nr} has no EA struct`);
    return { nr, sys, args, memory };
  }

  // The struct: raw bytes, or the catalog's struct (of a version) with named fields set.
  let bytes: Uint8Array;
  if (call['bytes'] !== undefined) {
    if (call['fields'] !== undefined || call['version'] !== undefined) bad('give "bytes" or "fields"/"version", not both');
    bytes = typeof call['bytes'] === 'string' ? (hexBytes(call['bytes']) ?? bad('"bytes" must be hex digit pairs')) : bad('"bytes" must be a string');
  } else {
    const version = call['version'];
    const found = version === undefined ? { size: sys.ksize } : sys.versions.find((v) => v.name === version);
    if (found === undefined) return bad(`${sys.name} has versions ${sys.versions.map((v) => v.name).join(', ')}`);
    bytes = new Uint8Array(found.size);
    const fields = call['fields'] ?? {};
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return bad('"fields" maps field names to numbers');
    const known = pathFields(sys.struct);
    for (const [name, v] of Object.entries(fields)) {
      const field = known.find((f) => f.name === name);
      if (field === undefined) return bad(`${sys.struct.name} has no field ${clip(name)} (fields: ${known.map((f) => f.name).join(', ')})`);
      if (field.offset + field.size > bytes.length) bad(`field ${name} lies beyond the ${bytes.length}-byte ${String(version)} struct`);
      writeLe(bytes, field.offset, field.size, number(v, `field ${name}`, 8 * field.size));
    }
  }
  const size = call['size'] === undefined ? BigInt(bytes.length) : number(call['size'], 'size', 64);
  const pointer = call['pointer'] ?? 'struct';
  let ptr: bigint;
  if (pointer === 'struct') {
    ptr = STRUCT_ADDRESS;
    mapOrFail(memory, ptr, bytes, bad);
  } else if (pointer === 'null') ptr = 0n;
  else if (pointer === 'unmapped') ptr = UNMAPPED_ADDRESS;
  else return bad('"pointer" must be "struct" (default), "null" or "unmapped"');
  args[sys.ptrArg] = ptr;
  if (sys.size.kind === 'arg') args[sys.size.arg] = size;
  else if (pointer === 'struct' && call['size'] !== undefined && sys.size.kind === 'field' && sys.size.offset + 4 <= bytes.length) {
    // The size lives in the struct (sched_setattr, perf_event_open, statmount): write it there.
    writeLe(bytes, sys.size.offset, 4, size & 0xffffffffn);
    memory.unmap(ptr);
    mapOrFail(memory, ptr, bytes, bad);
  }
  return { nr, sys, args, memory };
}

/** Flattens a parsed call into the image the filter reads; the copy's outcome rides along. */
export function eaImage(
  call: EaCallInput,
  arch: RunArch,
  ip: bigint,
  strategy: Strategy,
  needs: Readonly<Record<string, number>>,
): { view: DataView; copy: string } {
  if (call.sys === null) {
    // No struct: seccomp_data and an all-zero ea_meta (no PRESENT).
    const view = new DataView(new ArrayBuffer(80));
    const little = arch.endian === 'le';
    view.setUint32(0, call.nr >>> 0, little);
    view.setUint32(4, arch.auditArch >>> 0, little);
    view.setBigUint64(8, ip, little);
    call.args.forEach((a, i) => {
      view.setBigUint64(16 + 8 * i, a, little);
    });
    return { view, copy: 'none' };
  }
  const pointees = Object.fromEntries(Object.entries(needs).filter(([path]) => pathIn(call.sys!, path)));
  const f = new Flattener(call.sys, { pointees }, { strategy, endian: arch.endian });
  const regs = { nr: call.nr, arch: arch.auditArch, ip, args: call.args as Address[] };
  const n = f.flatten(regs, call.memory);
  const copy = copyEaArgs(call.sys, call.args as Address[], call.memory);
  return { view: new DataView(f.image.slice(0, n).buffer), copy: copy.ok ? 'ok' : copy.errno };
}

function pathIn(sys: EaSyscall, path: string): boolean {
  try {
    resolvePath(sys.struct, path);
    return true;
  } catch {
    return false;
  }
}

function hexBytes(text: string): Uint8Array | null {
  const hex = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return null;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function writeLe(bytes: Uint8Array, at: number, size: number, value: bigint): void {
  for (let i = 0; i < size; i++) bytes[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

function mapOrFail(memory: AddressSpace, at: bigint, bytes: Uint8Array, bad: (reason: string) => never): void {
  try {
    memory.map(at, bytes);
  } catch (error) {
    bad(`memory at 0x${at.toString(16)}: ${error instanceof Error ? clip(error.message) : 'cannot map'}`);
  }
}
