/**
 * A model of the caller's address space: mapped regions of bytes at user addresses.
 * Reads that touch an unmapped byte fault (copy_from_user's EFAULT), so pointers, sizes,
 * unmapped addresses and lies about sizes can all be expressed in tests and examples.
 */
import { LayoutError } from './errors.js';

/** A user address: a number (safe integer) or a bigint (any u64). */
export type Address = number | bigint;

interface Region {
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
  /** The same bytes as words (regions are our own copies, so 4-aligned). */
  readonly words: Uint32Array;
}

/** Addresses at or beyond 2^53 are never mapped (x86_64 user space ends at 2^47). */
const LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * Converts an address to a number; returns -1 for a valid u64 that no region can
 * contain (>= 2^53). Throws BAD_ADDRESS for anything that is not a u64.
 */
export function toAddress(a: Address, what = 'address'): number {
  if (typeof a === 'number') {
    if (Number.isSafeInteger(a) && a >= 0) return a;
    if (Number.isInteger(a) && a > 0 && a < 2 ** 64) return -1;
    throw new LayoutError('BAD_ADDRESS', `${what} must be an integer in [0, 2^64), got ${String(a)}`);
  }
  if (typeof a === 'bigint') {
    if (a < 0n || a >= 1n << 64n) throw new LayoutError('BAD_ADDRESS', `${what} must be in [0, 2^64), got ${a}`);
    return a <= BigInt(LIMIT) ? Number(a) : -1;
  }
  throw new LayoutError('BAD_ADDRESS', `${what} must be a number or bigint`);
}

/** Models user memory: `map` regions, then read them as copy_from_user would. */
export class AddressSpace {
  private regions: Region[] = [];
  private last: Region | undefined;

  /** Maps `data` (copied) or `size` zero bytes at `addr`; overlapping regions are refused. */
  map(addr: Address, data: Uint8Array | number): this {
    const start = toAddress(addr);
    const bytes = typeof data === 'number' ? new Uint8Array(checkSize(data)) : Uint8Array.from(data);
    if (start < 0 || start + bytes.length > LIMIT) throw new LayoutError('BAD_ADDRESS', 'region beyond 2^53');
    const end = start + bytes.length;
    for (const r of this.regions) {
      if (start < r.end && r.start < end) {
        throw new LayoutError('OVERLAP', `region [${start}, ${end}) overlaps [${r.start}, ${r.end})`, undefined, start);
      }
    }
    this.regions.push({ start, end, bytes, words: new Uint32Array(bytes.buffer, 0, bytes.length >>> 2) });
    this.regions.sort((a, b) => a.start - b.start);
    return this;
  }

  /** Unmaps the region that starts at `addr` (to model munmap or a guard page). */
  unmap(addr: Address): this {
    const start = toAddress(addr);
    this.regions = this.regions.filter((r) => r.start !== start);
    this.last = undefined;
    return this;
  }

  private find(a: number): Region | undefined {
    const l = this.last;
    if (l !== undefined && a >= l.start && a < l.end) return l;
    for (const r of this.regions) {
      if (a >= r.start && a < r.end) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  /** Returns the first unmapped address in [addr, addr + len), or -1 when all are mapped. */
  firstUnmapped(addr: number, len: number): number {
    if (addr < 0) return addr === -1 ? Number.MAX_SAFE_INTEGER : addr;
    let a = addr;
    const end = addr + len;
    while (a < end) {
      const r = this.find(a);
      if (r === undefined) return a;
      a = r.end;
    }
    return -1;
  }

  /**
   * Copies [addr, addr + len) into dst at dstOff; returns false (copying nothing useful)
   * when any byte is unmapped. `addr` is a number from toAddress (-1 always faults).
   */
  read(addr: number, len: number, dst: Uint8Array, dstOff: number, dst32?: Uint32Array): boolean {
    if (len === 0) return true;
    if (addr < 0) return false;
    let a = addr;
    let o = dstOff;
    const end = addr + len;
    while (a < end) {
      const r = this.find(a);
      if (r === undefined) return false;
      const n = Math.min(end, r.end) - a;
      const from = a - r.start;
      if (n <= 512) {
        // Word copies when both sides are 4-aligned (dst32 views dst's buffer): subarray()
        // would allocate on every call of the hot path, and a byte loop is 4x slower.
        const b = r.bytes;
        let i = 0;
        if (dst32 !== undefined && ((from | o) & 3) === 0) {
          const w = r.words;
          const d = o >>> 2;
          const f = from >>> 2;
          const words = n >>> 2;
          for (; i < words; i++) dst32[d + i] = w[f + i]!;
          i <<= 2;
        }
        for (; i < n; i++) dst[o + i] = b[from + i]!;
      } else {
        dst.set(r.bytes.subarray(from, from + n), o);
      }
      a += n;
      o += n;
    }
    return true;
  }

  /**
   * Checks like check_zeroed_user: 1 when every byte in the range is zero, 0 at the first non-zero
   * byte, -1 on a fault. Like the kernel it scans forward and stops at the first non-zero
   * byte, so a non-zero byte before an unmapped gap gives 0 (E2BIG), not -1 (EFAULT).
   */
  isZero(addr: number, len: number): 1 | 0 | -1 {
    if (len === 0) return 1;
    if (addr < 0) return -1;
    let a = addr;
    const end = addr + len;
    while (a < end) {
      const r = this.find(a);
      if (r === undefined) return -1;
      const stop = Math.min(end, r.end);
      for (let i = a - r.start, j = stop - r.start; i < j; i++) {
        if (r.bytes[i] !== 0) return 0;
      }
      a = stop;
    }
    return 1;
  }

  /** Reads a little-endian u32 or returns -1 on a fault. */
  readU32(addr: number): number {
    const r = this.find(addr);
    if (r === undefined || addr < 0 || addr + 4 > r.end) {
      const tmp = scratch;
      return this.read(addr, 4, tmp, 0) ? (tmp[0]! | (tmp[1]! << 8) | (tmp[2]! << 16) | (tmp[3]! << 24)) >>> 0 : -1;
    }
    const i = addr - r.start;
    const b = r.bytes;
    return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
  }

  /** Writes bytes into mapped memory (test setup, and the kernel's size write-back). */
  write(addr: Address, data: Uint8Array): void {
    const a = toAddress(addr);
    const bad = this.firstUnmapped(a, data.length);
    if (bad !== -1) throw new LayoutError('FAULT', 'write to unmapped memory', undefined, bad);
    let done = 0;
    while (done < data.length) {
      const r = this.find(a + done)!;
      const n = Math.min(data.length - done, r.end - (a + done));
      r.bytes.set(data.subarray(done, done + n), a + done - r.start);
      done += n;
    }
  }

  /** Writes a little-endian u64 (a pointer or length field) at addr. */
  writeU64(addr: Address, value: number | bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(value), true);
    this.write(addr, b);
  }

  /** Writes a little-endian u32 at addr. */
  writeU32(addr: Address, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(addr, b);
  }

  /** Returns a copy of [addr, addr + len) or throws FAULT naming the first unmapped address. */
  bytes(addr: Address, len: number): Uint8Array {
    const a = toAddress(addr);
    const out = new Uint8Array(checkSize(len));
    if (!this.read(a, len, out, 0)) throw new LayoutError('FAULT', 'read of unmapped memory', undefined, this.firstUnmapped(a, len));
    return out;
  }
}

const scratch = new Uint8Array(8);

function checkSize(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > 1 << 30) {
    throw new LayoutError('BAD_SIZE', `size must be an integer in [0, 2^30], got ${String(n)}`);
  }
  return n;
}
