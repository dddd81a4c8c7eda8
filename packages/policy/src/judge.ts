/**
 * Reading struct fields from caller bytes, and judging a policy's checks directly on the bytes
 * the kernel consumes. This is the matrix's independent statement of what the filter was meant
 * to enforce: a cell is fail-safe only if a call that goes through satisfies it.
 */
import type { Endian } from '@ea/bpf';
import type { StructType } from '@ea/layout';
import type { Check, Test } from './policy.js';
import { resolvePath } from './path.js';

/** Reads an unsigned 1-, 2-, 4- or 8-byte field; bytes past the end read as zero (copy_struct_from_user). */
export function readField(bytes: Uint8Array, offset: number, size: 1 | 2 | 4 | 8, order: Endian): bigint {
  let v = 0n;
  for (let i = 0; i < size; i += 1) {
    const byte = BigInt(bytes[offset + i] ?? 0);
    v |= order === 'le' ? byte << BigInt(8 * i) : byte << BigInt(8 * (size - 1 - i));
  }
  return v;
}

/** Writes an unsigned 1-, 2-, 4- or 8-byte field in the given byte order. */
export function writeField(bytes: Uint8Array, offset: number, size: 1 | 2 | 4 | 8, order: Endian, value: bigint): void {
  const v = BigInt.asUintN(8 * size, value);
  for (let i = 0; i < size; i += 1) {
    const shift = order === 'le' ? 8 * i : 8 * (size - 1 - i);
    bytes[offset + i] = Number((v >> BigInt(shift)) & 0xffn);
  }
}

/** Splits a 64-bit value into the 32-bit words at offset +0 and +4 in the given byte order. */
export function words64(value: bigint, order: Endian): readonly [number, number] {
  const v = BigInt.asUintN(64, value);
  const lo = Number(v & 0xffffffffn);
  const hi = Number(v >> 32n);
  return order === 'le' ? [lo, hi] : [hi, lo];
}

/** Applies a test to a field's unsigned value (libseccomp's comparisons, as its gen_bpf emits them). */
export function holds(test: Test, value: bigint): boolean {
  switch (test.op) {
    case 'eq':
      return value === test.value;
    case 'allSet':
      return (value & test.mask) === test.mask;
    case 'noneSet':
      return (value & test.mask) === 0n;
    case 'oneOf':
      return test.values.includes(value);
    case 'ne':
      return value !== test.value;
    case 'lt':
      return value < test.value;
    case 'le':
      return value <= test.value;
    case 'gt':
      return value > test.value;
    case 'ge':
      return value >= test.value;
    case 'maskedEq':
      return (value & test.mask) === test.value;
    default:
      return assertTest(test);
  }
}

function assertTest(test: never): never {
  throw new Error(`unknown test ${JSON.stringify(test)}`);
}

/** Judges root-level checks on a struct's bytes (nested paths are not judged here). */
export function checksHold(
  struct: StructType,
  checks: readonly Check[],
  bytes: Uint8Array,
  order: Endian,
): boolean {
  return checks.every((c) => {
    const p = resolvePath(struct, c.path);
    if (p.hops.length > 0) throw new Error(`checksHold judges root fields only, not ${c.path}`);
    return holds(c.test, readField(bytes, p.field.offset, p.field.size, order));
  });
}

/** Returns one past the last non-zero byte (0 if all are zero): ea_meta.esize. */
export function effectiveSize(bytes: Uint8Array): number {
  for (let i = bytes.length; i > 0; i -= 1) if (bytes[i - 1] !== 0) return i;
  return 0;
}
