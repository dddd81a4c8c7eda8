/**
 * Flattening: build the image an `ea` filter reads, [seccomp_data][ea_meta][EA region],
 * from a syscall's registers and a model of the caller's memory (docs/ea-image.md).
 * A Flattener is made once per syscall, strategy and filter needs, and writes every call
 * into its own buffer: the hot path allocates nothing.
 *
 * Strategies for nested pointers (the seed's two ideas):
 * - 'jump-table': every input pointee reachable within the limits is copied, each object
 *   preceded by a jump table as large as its struct; the 8-byte slot at a pointer
 *   field's offset holds [u32 data offset][u32 table offset] of the copied pointee.
 * - 'fixed-window': only the pointees the filter reads get a statically placed window
 *   [u32 byte length][u32 status][need bytes], so absolute loads suffice.
 */
import {
  AUDIT_ARCH_X86_64,
  EA_FLAG_FAULT,
  EA_FLAG_PRESENT,
  EA_FLAG_TRUNCATED,
  EA_IMAGE_MAX,
  EA_MAX_STRUCT,
  EA_META_ESIZE,
  EA_META_FLAGS,
  EA_META_ROOT,
  EA_META_USIZE,
  EA_REGION_OFFSET,
  type Endian,
} from '@ea/bpf';
import { type EaSyscall, eaSyscall } from './catalog.js';
import { LayoutError, type LayoutErrorCode } from './errors.js';
import { type Address, type AddressSpace, toAddress } from './memory.js';
import { DEFAULT_MAX_DEPTH, type FilterNeeds, type PointerNode, planPointers, tableSizeOf } from './plan.js';

/** Names a flattening strategy: jump tables or fixed windows. */
export type Strategy = 'jump-table' | 'fixed-window';

/** Options of the flattener. */
export interface FlattenOptions {
  readonly strategy?: Strategy;
  /** Throw a LayoutError (field path, offset) instead of producing a fail-safe image. */
  readonly strict?: boolean;
  /** Pointer levels followed below the root (default 4). */
  readonly maxDepth?: number;
  /** Byte order of the image and of user memory (default 'le': x86_64, aarch64, riscv64). */
  readonly endian?: Endian;
}

/** The registers seccomp_data records: nr, arch, instruction pointer, six arguments. */
export interface Registers {
  readonly nr?: number;
  readonly arch?: number;
  readonly ip?: Address;
  readonly args: ArrayLike<Address>;
}

/** Window status word (the second u32 of a window header). */
export const WINDOW_OK = 0;
/** Marks a window whose pointer was null (window status). */
export const WINDOW_NULL = 1;
/** Marks a window whose pointer faulted (window status). */
export const WINDOW_FAULT = 2;
/** Marks a window cut by a flattening limit (window status). */
export const WINDOW_LIMIT = 3;

/** Describes the fixed windows to fill: the pointer paths and their sizes. */
export interface WindowPlan {
  readonly path: string;
  readonly chain: readonly PointerNode[];
  /** Image offset of the window header; data starts 8 bytes later. */
  readonly offset: number;
  /** Data bytes (the filter's need rounded up to 8). */
  readonly size: number;
  /** Bytes the filter reads: at most this much is copied. */
  readonly need: number;
}

const round8 = (n: number): number => (n + 7) & ~7;
const TWO32 = 4294967296;

/** Flattens calls of one syscall into a reusable image buffer. */
export class Flattener {
  readonly sys: EaSyscall;
  readonly strategy: Strategy;
  /** The image buffer (EA_IMAGE_MAX bytes); valid up to `length` after each flatten. */
  readonly image = new Uint8Array(EA_IMAGE_MAX);
  readonly view = new DataView(this.image.buffer);
  private readonly u32 = new Uint32Array(this.image.buffer);
  /** Image offset of the copy of the caller's struct (also in ea_meta.root). */
  readonly rootOffset: number;
  /** Jump strategy: size of the root's jump table at EA_REGION_OFFSET (0 without pointers). */
  readonly rootTableSize: number;
  readonly windows: readonly WindowPlan[];
  readonly pointers: readonly PointerNode[];
  /** Bytes of the image in use after the last flatten. */
  length = 0;
  /** Bytes read from user memory by the last flatten. */
  copied = 0;
  private readonly le: boolean;
  private readonly strict: boolean;
  private readonly rootNeed: number;
  private readonly maxDepth: number;
  private readonly ancestors: number[];
  private readonly scratch = new Uint8Array(EA_MAX_STRUCT);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private readonly scratch32 = new Uint32Array(this.scratch.buffer);
  /** The image's byte order is the host's: aligned words go through Uint32Arrays (4x faster than DataView here). */
  private readonly fast: boolean;
  private flags = 0;

  constructor(syscall: EaSyscall | string, needs: FilterNeeds = {}, options: FlattenOptions = {}) {
    this.sys = typeof syscall === 'string' ? eaSyscall(syscall) : syscall;
    this.strategy = options.strategy ?? 'jump-table';
    this.le = (options.endian ?? 'le') === 'le';
    this.fast = this.le === (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1);
    this.strict = options.strict ?? false;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isSafeInteger(this.maxDepth) || this.maxDepth < 0 || this.maxDepth > 64) {
      throw new LayoutError('BAD_NEEDS', `maxDepth must be an integer in [0, 64], got ${String(this.maxDepth)}`);
    }
    const rootNeed = needs.root ?? 0;
    if (!Number.isSafeInteger(rootNeed) || rootNeed < 0 || rootNeed > EA_MAX_STRUCT) {
      throw new LayoutError('BAD_NEEDS', `root need must be an integer in [0, ${EA_MAX_STRUCT}], got ${String(rootNeed)}`);
    }
    // At least the struct as the catalog knows it: in the jump strategy pointees follow the
    // root, and a short (old) caller must not make them appear at offsets of known fields.
    this.rootNeed = Math.max(rootNeed, this.sys.struct.size);
    this.pointers = planPointers(this.sys.struct, needs, this.maxDepth);
    this.ancestors = new Array<number>(this.maxDepth + 2).fill(0);
    if (this.strategy === 'jump-table') {
      this.rootTableSize = tableSizeOf(this.sys.struct);
      this.windows = [];
      this.rootOffset = EA_REGION_OFFSET + this.rootTableSize;
    } else {
      this.rootTableSize = 0;
      const windows: WindowPlan[] = [];
      let at = EA_REGION_OFFSET;
      const walk = (nodes: readonly PointerNode[], chain: readonly PointerNode[]): void => {
        for (const n of nodes) {
          const c = [...chain, n];
          if (!n.tooDeep && Object.hasOwn(needs.pointees ?? {}, n.path)) {
            windows.push({ path: n.path, chain: c, offset: at, size: round8(n.need), need: n.need });
            at += 8 + round8(n.need);
          }
          walk(n.children, c);
        }
      };
      walk(this.pointers, []);
      if (at > EA_IMAGE_MAX) throw new LayoutError('NO_SPACE', `windows need ${at - EA_REGION_OFFSET} bytes, more than a page`);
      this.windows = windows;
      this.rootOffset = at;
    }
  }

  private fail(code: LayoutErrorCode, flag: number, message: string, field: string, offset: number): void {
    if (this.strict) throw new LayoutError(code, message, field, offset);
    this.flags |= flag;
  }

  /** Builds the image for one call; returns its length (also `this.length`). */
  flatten(regs: Registers, memory: AddressSpace): number {
    const { image, view, sys } = this;
    image.fill(0, EA_REGION_OFFSET, this.length);
    this.flags = 0;
    this.copied = 0;
    const args = regs?.args;
    if (args === undefined || args === null || typeof args.length !== 'number') {
      throw new LayoutError('BAD_ADDRESS', 'registers must have an args array', 'args');
    }
    this.w32(0, regs.nr ?? sys.nr);
    this.w32(4, regs.arch ?? AUDIT_ARCH_X86_64);
    this.putU64(view, 8, regs.ip ?? 0);
    for (let i = 0; i < 6; i++) this.putU64(view, 16 + 8 * i, args[i] ?? 0);

    const root = this.rootOffset;
    this.w32(EA_META_ROOT, root);
    let end = root;
    const p = args[sys.ptrArg] ?? 0;
    // (the message string is built only on the slow path: a template here would allocate per call)
    const ptr = typeof p === 'number' && p >= 0 && p <= Number.MAX_SAFE_INTEGER && Number.isInteger(p) ? p : toAddress(p, `args[${sys.ptrArg}]`);
    let usize = this.readSize(regs, memory, ptr);
    if (usize < 0) {
      this.fail('FAULT', EA_FLAG_FAULT, 'cannot read the size field', 'size', sys.size.kind === 'field' ? sys.size.offset : 0);
      usize = 0;
      end = this.copyFailed(0);
    } else {
      if (usize > EA_MAX_STRUCT) {
        this.fail('NO_SPACE', EA_FLAG_TRUNCATED, `size ${usize} exceeds one page`, '', EA_MAX_STRUCT);
        usize = EA_MAX_STRUCT;
      }
      const fit = Math.min(usize, EA_IMAGE_MAX - root);
      if (memory.read(ptr, fit, image, root, this.u32)) {
        let esize = fit;
        let tailZero = 1;
        if (fit < usize) {
          tailZero = memory.isZero(ptr + fit, usize - fit);
          if (tailZero === 0) {
            memory.read(ptr, usize, this.scratch, 0);
            esize = usize;
            while (esize > 0 && this.scratch[esize - 1] === 0) esize--;
            this.fail('NO_SPACE', EA_FLAG_TRUNCATED, `non-zero bytes beyond what fits in the page`, '', fit);
          }
        }
        if (tailZero < 0) {
          this.fail('FAULT', EA_FLAG_FAULT, 'struct tail is unmapped', '', memory.firstUnmapped(ptr, usize) - ptr);
          end = this.copyFailed(fit);
          usize = fit;
        } else {
          if (esize === fit) {
            const u32 = this.u32;
            while (esize & 3 && image[root + esize - 1] === 0) esize--;
            if ((esize & 3) === 0) while (esize >= 4 && u32[(root + esize - 4) >>> 2] === 0) esize -= 4;
            while (esize > 0 && image[root + esize - 1] === 0) esize--;
          }
          this.w32(EA_META_ESIZE, esize);
          this.flags |= EA_FLAG_PRESENT;
          this.copied = usize;
          // A zero tail that does not fit changes nothing a filter can see (reads past usize
          // are 0), so usize becomes what the image holds and the tail-zero load stays exact.
          // A non-zero one keeps the caller's usize: [root, root + usize) then runs past the
          // image and the tail-zero load answers 0 (fail-safe), besides TRUNCATED.
          if (tailZero === 1 && fit < usize) usize = fit;
          end = Math.min(EA_IMAGE_MAX, root + round8(Math.max(fit, this.rootNeed)));
          if (this.strategy === 'jump-table') {
            this.ancestors[0] = ptr;
            if (this.rootTableSize > 0) end = this.visit(memory, this.pointers, root, fit, EA_REGION_OFFSET, end, 0);
          } else {
            this.fillWindows(memory, fit);
          }
        }
      } else {
        const at = memory.firstUnmapped(ptr, fit);
        this.fail('FAULT', EA_FLAG_FAULT, 'struct is unmapped', '', at < 0 || ptr < 0 ? 0 : at - ptr);
        end = this.copyFailed(fit);
        usize = fit;
      }
    }
    this.w32(EA_META_USIZE, usize);
    this.w32(EA_META_FLAGS, this.flags);
    this.length = Math.max(end, this.strategy === 'fixed-window' ? root : EA_REGION_OFFSET + this.rootTableSize);
    return this.length;
  }

  /**
   * The image when the caller's struct (or its size field) cannot be copied: what the kernel
   * would answer EFAULT for (copy_struct_from_user) before the syscall could use it. Both
   * strategies show it alike, so no verdict depends on the layout: `flags` FAULT without
   * PRESENT, `esize` 0, the root zero-filled as far as a copy of `fit` zero bytes would reach
   * (so `ld [x + k]` through ea_meta.root reads zeros, as absolute loads do), every jump-table
   * slot 0 and every window `{length 0, status FAULT}`. Returns the image's end.
   */
  private copyFailed(fit: number): number {
    const root = this.rootOffset;
    this.image.fill(0, root, root + fit);
    for (const w of this.windows) {
      this.w32(w.offset, 0);
      this.w32(w.offset + 4, WINDOW_FAULT);
    }
    return Math.min(EA_IMAGE_MAX, root + round8(Math.max(fit, this.rootNeed)));
  }

  /** Writes a u32 at a 4-aligned image offset. */
  private w32(at: number, v: number): void {
    if (this.fast) this.u32[at >>> 2] = v;
    else this.view.setUint32(at, v, this.le);
  }

  private putU64(view: DataView, at: number, v: Address): void {
    if (typeof v === 'number' && v >= 0 && v <= 0xffffffff && v === (v >>> 0)) {
      // the common case (small non-negative numbers): no division, no bigint
      this.w32(at + (this.le ? 0 : 4), v);
      this.w32(at + (this.le ? 4 : 0), 0);
      return;
    }
    if (typeof v === 'bigint') {
      view.setBigUint64(at, BigInt.asUintN(64, v), this.le);
      return;
    }
    if (!Number.isSafeInteger(v)) throw new LayoutError('BAD_ADDRESS', `register value ${String(v)} is not an integer`);
    const lo = v >>> 0;
    const hi = Math.floor(v / TWO32) >>> 0;
    this.w32(at + (this.le ? 0 : 4), lo);
    this.w32(at + (this.le ? 4 : 0), hi);
  }

  /** Returns the size the kernel would use, -1 when the size field cannot be read. */
  private readSize(regs: Registers, memory: AddressSpace, ptr: number): number {
    const s = this.sys.size;
    if (s.kind === 'field') {
      if (ptr < 0 || !memory.read(ptr + s.offset, 4, this.scratch, 0)) return -1;
      const v = this.scratchView.getUint32(0, this.le);
      return v === 0 && s.zeroMeans !== undefined ? s.zeroMeans : v;
    }
    const raw = regs.args[s.arg] ?? 0;
    let n: number;
    if (typeof raw === 'bigint') n = raw < 0n || raw > BigInt(EA_MAX_STRUCT) ? EA_MAX_STRUCT + 1 : Number(raw);
    else n = raw < 0 || raw > EA_MAX_STRUCT ? EA_MAX_STRUCT + 1 : raw;
    if (!Number.isInteger(n)) throw new LayoutError('BAD_SIZE', `size register ${String(raw)} is not an integer`);
    if (s.kind === 'ioctl') {
      const v = typeof raw === 'bigint' ? Number((BigInt.asUintN(64, raw) >> 16n) & 0x3fffn) : Math.floor(raw / 65536) & 0x3fff;
      return v;
    }
    return n;
  }

  /** Reads an unsigned field of `width` bytes; values beyond 2^53 come back as Infinity. */
  private readUint(view: DataView, at: number, width: number): number {
    const le = this.le;
    if (this.fast && (at & 3) === 0 && width >= 4) {
      const w = view === this.view ? this.u32 : this.scratch32;
      const lo = w[at >>> 2]!;
      if (width === 4) return lo;
      const hi = w[(at >>> 2) + 1]!;
      return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * TWO32 + lo;
    }
    switch (width) {
      case 1:
        return view.getUint8(at);
      case 2:
        return view.getUint16(at, le);
      case 4:
        return view.getUint32(at, le);
      default: {
        const lo = view.getUint32(at + (le ? 0 : 4), le);
        const hi = view.getUint32(at + (le ? 4 : 0), le);
        return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * TWO32 + lo;
      }
    }
  }

  /**
   * Resolves one pointer of an object (in `view` at objOff, objLen caller bytes):
   * returns the pointee's address and byte length, or a negative code
   * (-1 absent, -2 fault, -3 limit) with the flag already raised.
   */
  private resolve(memory: AddressSpace, view: DataView, objOff: number, objLen: number, n: PointerNode): number {
    // A pointer field the caller did not pass (usize too short) reads as zero: absent.
    if (n.offset + 8 > objLen) return -1;
    const addr = this.readUint(view, objOff + n.offset, 8);
    let len: number;
    if (n.lengthKind === 'fixed') len = n.unit;
    else if (n.lengthKind === 'inner') {
      len = 0;
      if (addr !== 0) {
        const a = addr === Number.POSITIVE_INFINITY ? -1 : addr + n.lengthOffset;
        if (!memory.read(a, n.lengthWidth, this.scratch, 0)) {
          this.fail('FAULT', EA_FLAG_FAULT, 'pointee size field is unmapped', n.path, n.offset);
          return -2;
        }
        len = this.readUint(this.scratchView, 0, n.lengthWidth) || n.unit;
      }
    } else {
      // The length as the filter sees it in the copied parent: bytes the caller did not pass
      // read 0, so a field cut by the parent's length keeps only its passed bytes.
      const lo = n.lengthOffset;
      const w = n.lengthWidth;
      const raw =
        lo >= objLen
          ? 0
          : lo + w <= objLen
            ? this.readUint(view, objOff + lo, w)
            : this.partialUint(view, objOff + lo, w, objLen - lo);
      len = n.lengthKind === 'count' ? raw * n.unit : raw;
    }
    if (addr === 0) {
      if (len > 0) {
        this.fail('FAULT', EA_FLAG_FAULT, 'null pointer with a non-zero length', n.path, n.offset);
        return -2;
      }
      return -1;
    }
    // An empty pointee has nothing to read: absent, so its slot can never lead into a neighbour.
    if (len === 0) return -1;
    if (len > EA_MAX_STRUCT) {
      this.fail('NO_SPACE', EA_FLAG_TRUNCATED, `pointee of ${len} bytes exceeds one page`, n.path, n.offset);
      return -3;
    }
    this.resolvedAddr = addr === Number.POSITIVE_INFINITY ? -1 : addr;
    return len;
  }

  private resolvedAddr = 0;

  /** Reads an unsigned field of which only the first `avail` bytes were passed (the rest are 0). */
  private partialUint(view: DataView, at: number, width: number, avail: number): number {
    let v = 0;
    for (let i = 0; i < avail; i++) {
      const shift = this.le ? i : width - 1 - i;
      v += view.getUint8(at + i) * 2 ** (8 * shift);
    }
    return v > Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : v;
  }

  /** Jump strategy: copies the pointees of one object, fills its table; returns the new end. */
  private visit(
    memory: AddressSpace,
    nodes: readonly PointerNode[],
    objOff: number,
    objLen: number,
    tableOff: number,
    end: number,
    depth: number,
  ): number {
    const { view, image } = this;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      const len = this.resolve(memory, view, objOff, objLen, n);
      if (len < 0) continue;
      const addr = this.resolvedAddr;
      if (n.tooDeep) {
        this.fail('TOO_DEEP', EA_FLAG_TRUNCATED, `pointer nesting deeper than ${this.maxDepth}`, n.path, n.offset);
        continue;
      }
      let cycle = false;
      for (let k = 0; k <= depth; k++) if (this.ancestors[k] === addr) cycle = true;
      if (cycle) {
        this.fail('CYCLE', EA_FLAG_TRUNCATED, 'pointer chain revisits an object', n.path, n.offset);
        continue;
      }
      const dataOff = end + n.tableSize;
      const next = dataOff + round8(Math.max(len, n.need));
      if (next > EA_IMAGE_MAX) {
        this.fail('NO_SPACE', EA_FLAG_TRUNCATED, 'pointee does not fit in the page', n.path, n.offset);
        continue;
      }
      if (!memory.read(addr, len, image, dataOff, this.u32)) {
        image.fill(0, dataOff, dataOff + len);
        this.fail('FAULT', EA_FLAG_FAULT, 'pointee is unmapped', n.path, n.offset);
        continue;
      }
      this.copied += len;
      this.w32(tableOff + n.offset, dataOff);
      if (n.tableSize > 0) this.w32(tableOff + n.offset + 4, end);
      const tableAt = end;
      end = next;
      if (n.tableSize > 0 && n.children.length > 0) {
        this.ancestors[depth + 1] = addr;
        end = this.visit(memory, n.children, dataOff, len, tableAt, end, depth + 1);
      }
    }
    return end;
  }

  /** Window strategy: follows each window's pointer chain and copies its first bytes. */
  private fillWindows(memory: AddressSpace, rootLen: number): void {
    const { view, image, scratch, scratchView } = this;
    for (const w of this.windows) {
      let v: DataView = view;
      let objOff = this.rootOffset;
      let objLen = rootLen;
      let status = WINDOW_OK;
      let len = 0;
      for (let i = 0; i < w.chain.length; i++) {
        const n = w.chain[i]!;
        len = this.resolve(memory, v, objOff, objLen, n);
        if (len < 0) {
          status = len === -1 ? WINDOW_NULL : len === -2 ? WINDOW_FAULT : WINDOW_LIMIT;
          len = 0;
          break;
        }
        const addr = this.resolvedAddr;
        if (i === w.chain.length - 1) {
          const take = Math.min(len, w.need);
          if (memory.read(addr, take, image, w.offset + 8, this.u32)) this.copied += take;
          else {
            image.fill(0, w.offset + 8, w.offset + 8 + take);
            this.fail('FAULT', EA_FLAG_FAULT, 'pointee is unmapped', n.path, n.offset);
            status = WINDOW_FAULT;
            len = 0;
          }
        } else {
          // An intermediate object: read from user memory, into the scratch page, only the
          // bytes that hold the next pointer and its length.
          const next = w.chain[i + 1]!;
          const lenEnd = next.lengthKind === 'count' || next.lengthKind === 'bytes' ? next.lengthOffset + next.lengthWidth : 0;
          len = Math.min(len, Math.max(next.offset + 8, lenEnd));
          if (!memory.read(addr, len, scratch, 0, this.scratch32)) {
            this.fail('FAULT', EA_FLAG_FAULT, 'pointee is unmapped', n.path, n.offset);
            status = WINDOW_FAULT;
            len = 0;
            break;
          }
          this.copied += len;
          v = scratchView;
          objOff = 0;
          objLen = len;
        }
      }
      this.w32(w.offset, Math.min(len, 0xffffffff));
      this.w32(w.offset + 4, status);
    }
  }
}

/** Flattens one call into a fresh image (convenience; hot paths keep a Flattener). */
export function flatten(
  syscall: EaSyscall | string,
  registers: Registers,
  memory: AddressSpace,
  needs: FilterNeeds = {},
  options: FlattenOptions = {},
): Uint8Array {
  const f = new Flattener(syscall, needs, options);
  const n = f.flatten(registers, memory);
  return f.image.slice(0, n);
}
