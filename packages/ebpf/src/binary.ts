/**
 * The raw 8-byte instruction slot and the program's byte encoding (little-endian fields, as the
 * kernel's struct bpf_insn on x86-64 and as bpf_conformance sends them). lddw takes two slots.
 */
import { EbpfLoadError } from './errors.js';
import { INSN_BYTES } from './opcodes.js';

/** Is one 8-byte slot: opcode, registers, signed 16-bit offset, signed 32-bit immediate. */
export interface RawInsn {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

/** Splits bytes into raw slots; refuses a length that is not a multiple of 8. */
export function readSlots(bytes: Uint8Array): RawInsn[] {
  if (bytes.byteLength % INSN_BYTES !== 0) {
    throw new EbpfLoadError('truncated', Math.floor(bytes.byteLength / INSN_BYTES), `${bytes.byteLength} bytes is not a whole number of 8-byte instructions`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RawInsn[] = [];
  for (let at = 0; at < bytes.byteLength; at += INSN_BYTES) {
    const regs = view.getUint8(at + 1);
    out.push({ code: view.getUint8(at), dst: regs & 0x0f, src: regs >> 4, off: view.getInt16(at + 2, true), imm: view.getInt32(at + 4, true) });
  }
  return out;
}

/** Joins raw slots into bytes (fields are masked to their widths). */
export function writeSlots(slots: readonly RawInsn[]): Uint8Array {
  const bytes = new Uint8Array(slots.length * INSN_BYTES);
  const view = new DataView(bytes.buffer);
  slots.forEach((s, i) => {
    const at = i * INSN_BYTES;
    view.setUint8(at, s.code & 0xff);
    view.setUint8(at + 1, ((s.src & 0x0f) << 4) | (s.dst & 0x0f));
    view.setInt16(at + 2, s.off << 16 >> 16, true);
    view.setInt32(at + 4, s.imm | 0, true);
  });
  return bytes;
}

/** Parses hex text (whitespace, `0x` prefixes and commas ignored) into bytes; null if it is not hex. */
export function parseHex(text: string): Uint8Array | null {
  const clean = text.replace(/0x/gi, '').replace(/[\s,]+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2 !== 0) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Formats bytes as lowercase hex without separators. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
