/**
 * `struct sock_filter` arrays (the body of a `struct sock_fprog`) to and from bytes:
 * 8 bytes per instruction, u16 code, u8 jt, u8 jf, u32 k, in the host's byte order
 * (little-endian unless asked otherwise).
 */
import { FormatError } from './errors.js';
import { insn, type Insn, type SockFilter } from './insn.js';
import { BPF_MAXINSNS } from './opcodes.js';

/** Names a byte order: little- or big-endian. */
export type Endian = 'le' | 'be';

/** Sizes one struct sock_filter in bytes (u16 code, u8 jt, u8 jf, u32 k). */
export const SOCK_FILTER_SIZE = 8;

/** Options of decodeProgram() and encodeProgram(): the byte order (default little-endian). */
export interface BinaryOptions {
  readonly endian?: Endian;
}

/** Decodes a sock_filter array. Unknown codes are kept (the verifier rejects them). */
export function decodeProgram(bytes: Uint8Array, options: BinaryOptions = {}): Insn[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    throw new FormatError(
      'BAD_LENGTH',
      `program is ${bytes.length} bytes, not a multiple of ${SOCK_FILTER_SIZE}`,
      { kind: 'byte', offset: bytes.length - (bytes.length % SOCK_FILTER_SIZE) },
    );
  }
  // The kernel's limit is enforced by the verifier; here we only refuse absurd sizes
  // so a hostile file cannot make us allocate without bound (u16 len in sock_fprog).
  if (bytes.length / SOCK_FILTER_SIZE > 0xffff) {
    throw new FormatError('TOO_LONG', `program has more than 65535 instructions (BPF_MAXINSNS is ${BPF_MAXINSNS})`, {
      kind: 'byte',
      offset: 0xffff * SOCK_FILTER_SIZE,
    });
  }
  const little = (options.endian ?? 'le') === 'le';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let off = 0; off < bytes.length; off += SOCK_FILTER_SIZE) {
    out.push(
      insn(view.getUint16(off, little), view.getUint8(off + 2), view.getUint8(off + 3), view.getUint32(off + 4, little)),
    );
  }
  return out;
}

/** Encodes instructions as a sock_filter array; fields must fit their C types. */
export function encodeProgram(program: readonly SockFilter[], options: BinaryOptions = {}): Uint8Array {
  const little = (options.endian ?? 'le') === 'le';
  const bytes = new Uint8Array(program.length * SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  program.forEach((ins, pc) => {
    checkField(ins.code, 0xffff, 'code', pc);
    checkField(ins.jt, 0xff, 'jt', pc);
    checkField(ins.jf, 0xff, 'jf', pc);
    checkField(ins.k, 0xffffffff, 'k', pc);
    const off = pc * SOCK_FILTER_SIZE;
    view.setUint16(off, ins.code, little);
    view.setUint8(off + 2, ins.jt);
    view.setUint8(off + 3, ins.jf);
    view.setUint32(off + 4, ins.k, little);
  });
  return bytes;
}

function checkField(value: number, max: number, field: string, pc: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new FormatError('UNENCODABLE', `instruction ${pc}: ${field} ${value} does not fit 0..${max}`, {
      kind: 'byte',
      offset: pc * SOCK_FILTER_SIZE,
    });
  }
}
