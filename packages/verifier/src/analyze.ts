/**
 * What a verified program does, as far as load time can tell: its control-flow graph, the
 * longest path, the seccomp_data fields (and argument halves) it reads, and its load bounds.
 */
import {
  EA_META_ESIZE, EA_META_FLAGS, EA_META_ROOT, EA_META_USIZE, EA_REGION_OFFSET, type Endian, SECCOMP_DATA_SIZE,
} from '@ea/bpf';
import { VerifyUsageError } from './errors.js';
import { readFields } from './fields.js';
import { runsOnPackets, type VerifiedProgram } from './program.js';
import { longestPaths, reachability } from './reach.js';

/** The analysis of one verified program. */
export interface Analysis {
  readonly reachable: readonly boolean[];
  /** successors[pc]: where control goes after pc (empty for RET). */
  readonly successors: readonly (readonly number[])[];
  /** Instructions executed on the longest path from pc 0 to a RET. */
  readonly longestPath: number;
  /** The pcs of one longest path, in order. */
  readonly longestPathPcs: readonly number[];
  /** seccomp/ea: names of the 32-bit words the reachable loads read, in offset order. */
  readonly fieldsRead: readonly string[];
  /** seccomp/ea: the byte offsets of those loads. */
  readonly offsetsRead: readonly number[];
  readonly maxLoadEnd: number;
  readonly hasIndexedLoads: boolean;
  readonly convertedLength: number;
}

const META_NAMES: ReadonlyMap<number, string> = new Map([
  [EA_META_USIZE, 'ea_meta.usize'],
  [EA_META_ESIZE, 'ea_meta.esize'],
  [EA_META_ROOT, 'ea_meta.root'],
  [EA_META_FLAGS, 'ea_meta.flags'],
]);

const ARGS_OFFSET = 16;
const U64 = 8;

/**
 * Names the 32-bit word at a seccomp_data (or EA image) offset: nr, arch,
 * instruction_pointer.lo/hi, args[i].lo/hi, ea_meta.*, ea[+n]. `endian` decides which half of a
 * u64 sits at the lower address (little-endian: the low half).
 */
export function seccompFieldAt(offset: number, endian: Endian = 'le'): string {
  const half = (word: number): string => ((word === 0) === (endian === 'le') ? 'lo' : 'hi');
  if (offset === 0) return 'nr';
  if (offset === 4) return 'arch';
  if (offset === 8 || offset === 12) return `instruction_pointer.${half((offset - 8) / 4)}`;
  if (offset >= ARGS_OFFSET && offset < SECCOMP_DATA_SIZE) {
    const i = Math.floor((offset - ARGS_OFFSET) / U64);
    return `args[${i}].${half(((offset - ARGS_OFFSET) % U64) / 4)}`;
  }
  const meta = META_NAMES.get(offset);
  if (meta !== undefined) return meta;
  if (offset >= EA_REGION_OFFSET) return `ea[+${offset - EA_REGION_OFFSET}]`;
  return `[${offset}]`;
}

/** Analyses a verified program (linear in its size). */
export function analyze(program: VerifiedProgram, endian: Endian = 'le'): Analysis {
  // Longest paths need a graph without cycles: only the kernel's forward jumps give one.
  if (program.backwardJumps) throw new VerifyUsageError('program', 'analyze() needs a program without backward jumps');
  const fields = readFields(program.insns);
  if (!('n' in fields)) throw new Error('a verified program always has valid fields');
  const { reachable, successors } = reachability(fields);
  const longest = longestPaths(successors);
  const path: number[] = [];
  for (let pc = 0; pc < program.insns.length; ) {
    path.push(pc);
    const next = successors[pc] as number[];
    if (next.length === 0) break;
    pc = next.reduce((best, s) => ((longest[s] as number) > (longest[best] as number) ? s : best));
  }
  const offsets = new Set<number>();
  if (!runsOnPackets(program.profile)) {
    program.insns.forEach((i, pc) => {
      if (reachable[pc] === true && i.kind === 'ld_abs') offsets.add(i.k);
    });
  }
  const offsetsRead = [...offsets].sort((x, y) => x - y);
  return {
    reachable,
    successors,
    longestPath: program.insns.length === 0 ? 0 : (longest[0] as number),
    longestPathPcs: path,
    fieldsRead: offsetsRead.map((o) => seccompFieldAt(o, endian)),
    offsetsRead,
    maxLoadEnd: program.maxLoadEnd,
    hasIndexedLoads: program.hasIndexedLoads,
    convertedLength: program.convertedLength,
  };
}
