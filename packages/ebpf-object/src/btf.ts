/**
 * Just enough BTF to read BTF-defined maps: the type section and string section of `.BTF`, and, for
 * each variable of the `.maps` DATASEC, its struct's `type`, `max_entries`, `map_flags`,
 * `key`/`value` (pointers to the key and value types, sized here) or `key_size`/`value_size`. The
 * encoding is the kernel's (include/uapi/linux/btf.h); libbpf's parse_btf_map_def reads the same
 * members. A member `__uint(name, N)` is `int (*name)[N]`: a pointer to an array of N elements.
 */
import { ObjectError } from './errors.js';
import type { Section } from './elf.js';

const KIND = { INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11,
  FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19 } as const;

interface BtfType {
  readonly name: string;
  readonly kind: number;
  readonly vlen: number;
  /** size or type, by kind. */
  readonly sizeOrType: number;
  /** ARRAY: [elem type, index type, nelems]; STRUCT/UNION: [name_off, type, offset] x vlen; DATASEC: [type, offset, size] x vlen. */
  readonly extra: readonly number[];
  /** STRUCT/UNION: the members' names. */
  readonly members: readonly string[];
}

/** Is a map's definition as BTF gives it. */
export interface BtfMapDef {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/** Words following each kind's header, per member (vlen) and fixed. */
function trailing(kind: number, vlen: number, at: number): { perMember: number; fixed: number } {
  switch (kind) {
    case KIND.INT: case KIND.VAR: case KIND.DECL_TAG: return { perMember: 0, fixed: 1 };
    case KIND.ARRAY: return { perMember: 0, fixed: 3 };
    case KIND.STRUCT: case KIND.UNION: case KIND.DATASEC: case KIND.ENUM64: return { perMember: 3, fixed: 0 };
    case KIND.ENUM: case KIND.FUNC_PROTO: return { perMember: 2, fixed: 0 };
    case KIND.PTR: case KIND.FWD: case KIND.TYPEDEF: case KIND.VOLATILE: case KIND.CONST: case KIND.RESTRICT:
    case KIND.FUNC: case KIND.FLOAT: case KIND.TYPE_TAG: return { perMember: 0, fixed: 0 };
    default: throw new ObjectError('bad_btf', '.BTF', at, `unknown BTF kind ${kind} (vlen ${vlen})`);
  }
}

/** Parses the types of a `.BTF` section (index 0 is void). */
export function readBtf(section: Section): BtfType[] {
  const d = section.data;
  const fail = (at: number, detail: string): never => { throw new ObjectError('bad_btf', section.name, section.offset + at, detail); };
  if (d.length < 24) fail(0, `a BTF header needs 24 bytes, the section has ${d.length}`);
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  if (v.getUint16(0, true) !== 0xeb9f) fail(0, 'no BTF magic 0xeb9f (only little-endian BTF)');
  const hdr = v.getUint32(4, true);
  const typeOff = hdr + v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strOff = hdr + v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  if (hdr < 24 || typeOff + typeLen > d.length || strOff + strLen > d.length) fail(4, 'the type or string section runs past the BTF section');
  const str = (off: number, at: number): string => {
    if (off >= strLen) fail(at, `name offset ${off} is outside the ${strLen}-byte string section`);
    let s = '';
    for (let i = strOff + off; i < strOff + strLen && d[i] !== 0; i++) s += String.fromCharCode(d[i]!);
    return s;
  };
  const types: BtfType[] = [{ name: '', kind: 0, vlen: 0, sizeOrType: 0, extra: [], members: [] }];
  let at = typeOff;
  const end = typeOff + typeLen;
  while (at < end) {
    if (at + 12 > end) fail(at, 'a type header runs past the type section');
    const info = v.getUint32(at + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const { perMember, fixed } = trailing(kind, vlen, section.offset + at);
    const words = fixed + perMember * vlen;
    if (at + 12 + words * 4 > end) fail(at, `type #${types.length} runs past the type section`);
    const extra: number[] = [];
    for (let i = 0; i < words; i++) extra.push(v.getUint32(at + 12 + i * 4, true));
    const members = kind === KIND.STRUCT || kind === KIND.UNION ? Array.from({ length: vlen }, (_, j) => str(extra[j * 3]!, at)) : [];
    types.push({ name: str(v.getUint32(at, true), at), kind, vlen, sizeOrType: v.getUint32(at + 8, true), extra, members });
    at += 12 + words * 4;
  }
  return types;
}

/** Follows typedef/const/volatile/restrict/type_tag to the underlying type id. */
function resolve(types: readonly BtfType[], id: number, at: number): BtfType {
  for (let hops = 0; hops < 32; hops++) {
    const t = types[id];
    if (t === undefined) throw new ObjectError('bad_btf', '.BTF', at, `type id ${id} does not exist`);
    if (t.kind !== KIND.TYPEDEF && t.kind !== KIND.CONST && t.kind !== KIND.VOLATILE && t.kind !== KIND.RESTRICT && t.kind !== KIND.TYPE_TAG) return t;
    id = t.sizeOrType;
  }
  throw new ObjectError('bad_btf', '.BTF', at, `type id ${id}: a chain of more than 32 modifiers`);
}

/** Returns sizeof a type (btf__resolve_size). */
function sizeOf(types: readonly BtfType[], id: number, depth = 0): number {
  if (depth > 32) throw new ObjectError('bad_btf', '.BTF', 0, 'types nest more than 32 deep');
  const t = resolve(types, id, 0);
  switch (t.kind) {
    case KIND.PTR: return 8;
    case KIND.ARRAY: return sizeOf(types, t.extra[0]!, depth + 1) * t.extra[2]!;
    case KIND.INT: case KIND.STRUCT: case KIND.UNION: case KIND.ENUM: case KIND.ENUM64: case KIND.FLOAT: case KIND.DATASEC:
      return t.sizeOrType;
    default: throw new ObjectError('bad_btf', '.BTF', 0, `type id ${id} (kind ${t.kind}) has no size`);
  }
}

/** Reads `int (*name)[N]`: N. */
function arrayLength(types: readonly BtfType[], id: number, member: string): number {
  const ptr = resolve(types, id, 0);
  const arr = ptr.kind === KIND.PTR ? resolve(types, ptr.sizeOrType, 0) : undefined;
  if (arr?.kind !== KIND.ARRAY) throw new ObjectError('bad_btf', '.maps', 0, `member ${member} is not a pointer to an array`);
  return arr.extra[2]!;
}

/** Returns the maps the `.maps` DATASEC defines, in declaration order. */
export function btfMaps(types: readonly BtfType[]): BtfMapDef[] {
  const sec = types.find((t) => t.kind === KIND.DATASEC && t.name === '.maps');
  if (sec === undefined) return [];
  const out: BtfMapDef[] = [];
  for (let i = 0; i < sec.vlen; i++) {
    const v = types[sec.extra[i * 3]!];
    if (v?.kind !== KIND.VAR) throw new ObjectError('bad_btf', '.maps', 0, `entry ${i} of the .maps DATASEC is not a variable`);
    const def = resolve(types, v.sizeOrType, 0);
    if (def.kind !== KIND.STRUCT) throw new ObjectError('bad_btf', '.maps', 0, `map ${v.name} is not a struct`);
    const m = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
    for (let j = 0; j < def.vlen; j++) {
      const name = def.members[j] ?? '';
      const type = def.extra[j * 3 + 1]!;
      switch (name) {
        case 'type': m.type = arrayLength(types, type, name); break;
        case 'max_entries': m.maxEntries = arrayLength(types, type, name); break;
        case 'map_flags': m.flags = arrayLength(types, type, name); break;
        case 'key_size': m.keySize = arrayLength(types, type, name); break;
        case 'value_size': m.valueSize = arrayLength(types, type, name); break;
        case 'key': case 'value': {
          const ptr = resolve(types, type, 0);
          if (ptr.kind !== KIND.PTR) throw new ObjectError('bad_btf', '.maps', 0, `member ${name} of map ${v.name} is not a pointer`);
          const size = sizeOf(types, ptr.sizeOrType);
          if (name === 'key') m.keySize = size;
          else m.valueSize = size;
          break;
        }
        default: // pinning, values (map-in-map), numa_node: not modelled
      }
    }
    out.push({ name: v.name, ...m });
  }
  return out;
}
