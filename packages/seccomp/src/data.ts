/**
 * struct seccomp_data (include/uapi/linux/seccomp.h), 64 bytes in the architecture's byte order:
 *
 *   0  int   nr                    (filters load it as a u32 word)
 *   4  u32   arch                  AUDIT_ARCH_*
 *   8  u64   instruction_pointer
 *   16 u64   args[6]               args[i] at 16 + 8*i
 *
 * populate_seccomp_data copies the registers as they are, so a 64-bit value is split into two
 * words whose order depends on the byte order: low word first on little-endian, high word first on
 * big-endian. Filters see exactly these bytes.
 */
import { type Endian, SECCOMP_DATA_SIZE } from '@ea/bpf';
import { archInfo } from './arch.js';
import { SeccompError } from './errors.js';
import { syscallNumber } from './syscalls.js';

/** One syscall as a filter sees it. `nr` is kept as the u32 a filter loads from offset 0. */
export interface SeccompData {
  readonly nr: number;
  readonly arch: number;
  readonly instructionPointer: bigint;
  /** Exactly six unsigned 64-bit values. */
  readonly args: readonly bigint[];
}

const U64_MAX = (1n << 64n) - 1n;
const ARGS_OFFSET = 16;
const IP_OFFSET = 8;

function checkU32(value: number, field: string, allowNegativeInt: boolean): number {
  const min = allowNegativeInt ? -0x80000000 : 0;
  if (!Number.isInteger(value) || value < min || value > 0xffffffff) {
    throw new SeccompError('BAD_FIELD', field, `${value} is not a ${allowNegativeInt ? '32-bit integer' : 'u32'}`);
  }
  return value >>> 0;
}

function checkU64(value: unknown, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new SeccompError('BAD_FIELD', field, `${String(value)} is not an unsigned 64-bit bigint`);
  }
  return value;
}

function checkView(view: DataView): void {
  if (view.byteLength < SECCOMP_DATA_SIZE) {
    throw new SeccompError('SHORT_BUFFER', 'view', `${view.byteLength} bytes, seccomp_data needs ${SECCOMP_DATA_SIZE}`);
  }
}

/**
 * Writes `data` into the first 64 bytes of `view` (a reusable buffer: nothing is allocated).
 * `nr` may be given as a negative int (it is stored as its u32 bit pattern). Throws SeccompError
 * for a field out of range, a wrong number of args or a view shorter than 64 bytes.
 */
export function writeSeccompData(view: DataView, data: SeccompData, endian: Endian): void {
  checkView(view);
  const nr = checkU32(data.nr, 'nr', true);
  const arch = checkU32(data.arch, 'arch', false);
  const ip = checkU64(data.instructionPointer, 'instructionPointer');
  if (!Array.isArray(data.args) || data.args.length !== 6) {
    throw new SeccompError('BAD_FIELD', 'args', `needs exactly 6 values, got ${String(data.args?.length)}`);
  }
  for (let i = 0; i < 6; i++) checkU64(data.args[i], `args[${i}]`);
  const little = endian === 'le';
  view.setUint32(0, nr, little);
  view.setUint32(4, arch, little);
  view.setBigUint64(IP_OFFSET, ip, little);
  for (let i = 0; i < 6; i++) view.setBigUint64(ARGS_OFFSET + 8 * i, data.args[i]!, little);
}

/**
 * Writes seccomp_data from plain numbers for hot loops: `argWords[argOffset ..]` holds 12 u32s,
 * the low then the high half of args[0..5] (so one flat array can hold many calls without
 * taking subarrays). Allocates nothing and checks nothing beyond u32 coercion.
 */
export function writeSeccompDataWords(
  view: DataView,
  nr: number,
  arch: number,
  argWords: ArrayLike<number>,
  endian: Endian,
  ipLo = 0,
  ipHi = 0,
  argOffset = 0,
): void {
  const littleEndian = endian === 'le';
  view.setUint32(0, nr >>> 0, littleEndian);
  view.setUint32(4, arch >>> 0, littleEndian);
  putU64(view, IP_OFFSET, ipLo, ipHi, littleEndian);
  for (let i = 0; i < 6; i++) {
    const w = argOffset + 2 * i;
    putU64(view, ARGS_OFFSET + 8 * i, argWords[w]!, argWords[w + 1]!, littleEndian);
  }
}

function putU64(view: DataView, offset: number, lo: number, hi: number, little: boolean): void {
  view.setUint32(offset, (little ? lo : hi) >>> 0, little);
  view.setUint32(offset + 4, (little ? hi : lo) >>> 0, little);
}

/** Reads seccomp_data back from the first 64 bytes of `view` (nr as a u32). */
export function readSeccompData(view: DataView, endian: Endian = 'le'): SeccompData {
  checkView(view);
  const little = endian === 'le';
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(view.getBigUint64(ARGS_OFFSET + 8 * i, little));
  return {
    nr: view.getUint32(0, little),
    arch: view.getUint32(4, little),
    instructionPointer: view.getBigUint64(IP_OFFSET, little),
    args,
  };
}

/** Returns a fresh 64-byte buffer holding `data`. */
export function seccompDataBytes(data: SeccompData, endian: Endian = 'le'): Uint8Array {
  const bytes = new Uint8Array(SECCOMP_DATA_SIZE);
  writeSeccompData(new DataView(bytes.buffer), data, endian);
  return bytes;
}

/**
 * Builds the seccomp_data of a call on `arch` (a name from SYSCALL_ARCHES): `syscall` is a name
 * from that arch's table or a number; args (numbers or bigints, missing ones are 0) must be
 * unsigned 64-bit values. Use ARCHES[arch].endian to write it.
 */
export function callData(
  arch: string,
  syscall: string | number,
  args: readonly (number | bigint)[] = [],
  instructionPointer: bigint = 0n,
): SeccompData {
  const info = archInfo(arch);
  let nr: number;
  if (typeof syscall === 'number') {
    nr = checkU32(syscall, 'nr', true);
  } else {
    const found = syscallNumber(info.name, syscall);
    if (found === undefined) throw new SeccompError('UNKNOWN_SYSCALL', syscall, `no such syscall on ${info.name}`);
    nr = found;
  }
  if (args.length > 6) throw new SeccompError('BAD_FIELD', 'args', `at most 6 values, got ${args.length}`);
  const full: bigint[] = [];
  for (let i = 0; i < 6; i++) {
    const a = args[i] ?? 0n;
    if (typeof a === 'number' && !Number.isSafeInteger(a)) {
      throw new SeccompError('BAD_FIELD', `args[${i}]`, `${a} is not a safe integer`);
    }
    full.push(checkU64(typeof a === 'number' ? BigInt(a) : a, `args[${i}]`));
  }
  return { nr, arch: info.auditArch, instructionPointer: checkU64(instructionPointer, 'instructionPointer'), args: full };
}
