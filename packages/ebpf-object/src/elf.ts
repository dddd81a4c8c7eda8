/**
 * A reader for the ELF64 little-endian relocatable objects clang emits for `-target bpf`: section
 * headers, the symbol table and REL relocations. Every offset and size read from the file is
 * checked against the file before use, so a truncated or corrupted object gives an ObjectError
 * naming the section and byte offset, never a RangeError or a huge allocation. Layout per the
 * System V gABI (Elf64_Ehdr, Elf64_Shdr, Elf64_Sym, Elf64_Rel).
 */
import { ObjectError } from './errors.js';

/** The machine number of BPF (EM_BPF). */
export const EM_BPF = 247;
/** Section type: program bytes (code, data). */
export const SHT_PROGBITS = 1;
/** Section type: the symbol table. */
export const SHT_SYMTAB = 2;
/** Section type: a string table. */
export const SHT_STRTAB = 3;
/** Section type: zero bytes with no file content (.bss). */
export const SHT_NOBITS = 8;
/** Section type: relocations without addends. */
export const SHT_REL = 9;
/** Section flag: occupies memory at run time. */
export const SHF_ALLOC = 2;
/** Section flag: executable. */
export const SHF_EXECINSTR = 4;

/** Is one section header, with its bytes (empty for NOBITS). */
export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly data: Uint8Array;
}

/** Is one symbol. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  /** STT_* (low 4 bits of st_info). */
  readonly type: number;
  /** STB_* (high 4 bits of st_info). */
  readonly bind: number;
  readonly section: number;
  readonly value: number;
  readonly size: number;
}

/** Is one REL relocation. */
export interface Relocation {
  readonly offset: number;
  readonly type: number;
  readonly symbol: number;
}

/** Is a parsed object file. */
export interface ElfFile {
  readonly sections: readonly Section[];
  readonly symbols: readonly ElfSymbol[];
  /** Relocations by the index of the section they apply to. */
  readonly relocations: ReadonlyMap<number, readonly Relocation[]>;
}

/** Symbol type of a section symbol. */
export const STT_SECTION = 3;
/** Symbol type of a function. */
export const STT_FUNC = 2;

const MAX_SECTIONS = 65_280; // SHN_LORESERVE: above it, indexes are special

function u64(view: DataView, at: number, what: string, section: string | null): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ObjectError('truncated', section, at, `${what} ${value} is beyond any file`);
  return Number(value);
}

/** Returns the NUL-terminated string at `at` of a string table. */
function cString(table: Section, at: number, where: number): string {
  if (at >= table.data.length) throw new ObjectError('bad_symbol', table.name, where, `name offset ${at} is outside the ${table.data.length}-byte string table`);
  const end = table.data.indexOf(0, at);
  if (end < 0) throw new ObjectError('bad_symbol', table.name, table.offset + at, 'a name runs off the end of the string table');
  let s = '';
  for (let i = at; i < end; i++) s += String.fromCharCode(table.data[i]!);
  return s;
}

/** Parses an ELF64 little-endian EM_BPF relocatable object. */
export function readElf(bytes: Uint8Array): ElfFile {
  if (!(bytes instanceof Uint8Array)) throw new ObjectError('not_elf', null, 0, 'the object must be a Uint8Array');
  if (bytes.length < 64) throw new ObjectError('truncated', null, bytes.length, `an ELF64 header needs 64 bytes, the file has ${bytes.length}`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ObjectError('not_elf', null, 0, 'no ELF magic');
  if (bytes[4] !== 2) throw new ObjectError('unsupported_elf', null, 4, `class ${bytes[4]} (only ELF64)`);
  if (bytes[5] !== 1) throw new ObjectError('unsupported_elf', null, 5, `data encoding ${bytes[5]} (only little-endian)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = view.getUint16(18, true);
  if (machine !== EM_BPF) throw new ObjectError('unsupported_elf', null, 18, `machine ${machine} is not EM_BPF (247)`);
  const shoff = u64(view, 0x28, 'e_shoff', null);
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const shstrndx = view.getUint16(0x3e, true);
  if (shentsize !== 64) throw new ObjectError('unsupported_elf', null, 0x3a, `section header size ${shentsize} (expected 64)`);
  if (shnum === 0 || shnum > MAX_SECTIONS) throw new ObjectError('unsupported_elf', null, 0x3c, `${shnum} sections`);
  if (shoff + shnum * 64 > bytes.length) {
    throw new ObjectError('truncated', null, shoff, `${shnum} section headers at ${shoff} run past the ${bytes.length}-byte file`);
  }
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * 64;
    const type = view.getUint32(at + 4, true);
    const offset = u64(view, at + 24, 'sh_offset', `#${i}`);
    const size = u64(view, at + 32, 'sh_size', `#${i}`);
    const flags = Number(view.getBigUint64(at + 8, true) & 0xffffffffn);
    if (type !== SHT_NOBITS && type !== 0 && offset + size > bytes.length) {
      throw new ObjectError('truncated', `#${i}`, at + 24, `section bytes ${offset}..${offset + size} run past the ${bytes.length}-byte file`);
    }
    const data = type === SHT_NOBITS || type === 0 ? new Uint8Array(0) : bytes.subarray(offset, offset + size);
    raw.push({ index: i, nameAt: view.getUint32(at, true), type, flags, offset, size, link: view.getUint32(at + 40, true), info: view.getUint32(at + 44, true), data });
  }
  const strtab = raw[shstrndx];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) throw new ObjectError('bad_section', null, 0x3e, `e_shstrndx ${shstrndx} is not a string table`);
  const names = { ...strtab, name: '.shstrtab' };
  const sections: Section[] = raw.map((s) => ({ ...s, name: cString(names, s.nameAt, shoff + s.index * 64) }));
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols = symtab === undefined ? [] : readSymbols(symtab, sections);
  const relocations = new Map<number, Relocation[]>();
  for (const s of sections) {
    if (s.type !== SHT_REL) continue;
    if (s.info >= sections.length) throw new ObjectError('bad_section', s.name, s.offset, `relocations for section #${s.info}, which does not exist`);
    if (s.size % 16 !== 0) throw new ObjectError('bad_relocation', s.name, s.offset, `size ${s.size} is not a multiple of 16`);
    const rv = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    const list: Relocation[] = [];
    for (let at = 0; at < s.size; at += 16) {
      const offset = u64(rv, at, 'r_offset', s.name);
      const info = rv.getBigUint64(at + 8, true);
      const symbol = Number(info >> 32n);
      if (symbol >= symbols.length) throw new ObjectError('bad_relocation', s.name, s.offset + at, `symbol #${symbol} of ${symbols.length}`);
      list.push({ offset, type: Number(info & 0xffffffffn), symbol });
    }
    relocations.set(s.info, list);
  }
  return { sections, symbols, relocations };
}

function readSymbols(symtab: Section, sections: readonly Section[]): ElfSymbol[] {
  if (symtab.size % 24 !== 0) throw new ObjectError('bad_symbol', symtab.name, symtab.offset, `size ${symtab.size} is not a multiple of 24`);
  const strings = sections[symtab.link];
  if (strings === undefined || strings.type !== SHT_STRTAB) throw new ObjectError('bad_symbol', symtab.name, symtab.offset, `sh_link ${symtab.link} is not a string table`);
  const v = new DataView(symtab.data.buffer, symtab.data.byteOffset, symtab.data.byteLength);
  const out: ElfSymbol[] = [];
  for (let at = 0; at < symtab.size; at += 24) {
    const info = v.getUint8(at + 4);
    out.push({
      index: at / 24,
      name: cString(strings, v.getUint32(at, true), symtab.offset + at),
      type: info & 0xf,
      bind: info >> 4,
      section: v.getUint16(at + 6, true),
      value: u64(v, at + 8, 'st_value', symtab.name),
      size: u64(v, at + 16, 'st_size', symtab.name),
    });
  }
  return out;
}
