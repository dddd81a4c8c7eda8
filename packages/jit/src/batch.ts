/**
 * Builds runBatch: the program's body inside a loop over the packets of a PacketBatch. What the
 * loop looks like was settled by measuring it on the cache-resident workload (benchmarks/README.md),
 * where each packet costs a few nanoseconds and the loop's own work is a large share of it:
 * - exits count matches where they return (emit.ts exit()), so a `ret #k` adds a known 1 or
 *   nothing instead of a per-packet `R !== 0`, and a call without results runs a loop of its
 *   own (`counting`) with no R and no `out`;
 * - small programs handle eight, four or two packets per iteration: V8 checks the maps and re-reads
 *   the lengths and data pointers of the typed arrays and the DataView it was passed once per
 *   iteration (it does not hoist them out of the loop), so unrolling shares them between packets;
 * - plain branches, not the branch-free form (ifconvert.ts), unless `ifConvert` asks for it: on
 *   this traffic most packets leave a filter after one or two tests, which the branch-free form
 *   would evaluate in full.
 */
import type * as ES from 'estree';
import { runsOnPackets, type VerifiedProgram } from '@ea/verifier';
import {
  Scope, assign, assignExpr, bin, block, call, countedLoop, declare, fnDecl, forLoop, ifElse, labelled, logical, not, nullLiteral, ret,
  throwStmt, toU32, u32,
} from '@ea/codegen';
import { computed, member } from './access.js';
import { BATCH_LOCALS, HELPERS, type InsnEmitter, LOCALS, type LoadPlan } from './emit.js';
import { branchFree, type Generated, type GenerateOptions, programBody, registerLocals } from './generate.js';

/**
 * Packets per loop iteration by program size (instructions), and above the last size one.
 * Scratch runs, one process, resident packets (ns/packet): 'ip' 3.4 / 3.0 / 2.9 with 2 / 4 / 8
 * (branches), 'tcp port 80' 4.8 / 4.5 / 4.3, the 33-instruction port list 5.8 / 5.5 / 5.4; eight
 * copies of the 36-instruction `tcp portrange` list with the branch-free form are 223 KiB of
 * source, so the copies shrink as programs grow.
 */
const UNROLL: readonly (readonly [number, number])[] = [
  [8, 8],
  [24, 4],
  [64, 2],
];
/** Programs up to this many instructions also get a counting loop of their own (for calls without results). */
const SPLIT_LIMIT = 64;

/** What a loop does with each packet's result. */
type Results = 'store' | 'count' | 'either';

/**
 * Generates `function runBatch(view, offsets, lengths, wires, count, out, input, batch)`: the
 * program's body inside a loop over the packets of a PacketBatch (checked by the caller: typed
 * arrays at least `count` long, `out` a Uint32Array or null). Each packet's range is checked
 * against the view before anything reads it; its result goes to `out[i]`; the return value is
 * how many results were non-zero. One call per capture instead of one per packet, so the loop,
 * the loads and the tests are optimised together.
 */
export function generateBatch(program: VerifiedProgram, opts: GenerateOptions, name: 'runBatch' | 'batchLoop' = 'runBatch'): Generated {
  if (!runsOnPackets(program.profile)) throw new Error('runBatch is for socket and libpcap programs');
  const scope = new Scope();
  for (const n of [...LOCALS, ...BATCH_LOCALS, ...HELPERS, name, 'next']) scope.declare(n);
  const id = (n: string): ES.Identifier => scope.id(n);
  const size = program.insns.length;
  const unroll = UNROLL.find(([most]) => size <= most)?.[1] ?? 1;
  const emitters: InsnEmitter[] = [];
  const loop = (results: Results): ES.Statement[] => {
    const made = packetLoop(program, opts, scope, results, unroll);
    emitters.push(made.emit);
    return made.loop;
  };
  // Large programs keep one loop: two copies of a long body cost more to compile than they save.
  const loops =
    size <= SPLIT_LIMIT ? [ifElse(bin('===', id('out'), nullLiteral()), loop('count'), loop('store'))] : loop('either');
  const used = (h: string): boolean => emitters.some((e) => e.used.has(h));
  const fn = fnDecl(
    id(name),
    ['view', 'offsets', 'lengths', 'wires', 'count', 'out', 'input', 'batch'].map(id),
    [
      declare('const', [[id('total'), member(id('view'), 'byteLength')]]),
      declare('let', [[id('matched'), u32(0)]]),
      ...loops,
      ret(id('matched')),
    ],
  );
  return { fn, helpers: HELPERS.filter(used), tables: emitters.flatMap((e) => e.tables) };
}

/** One loop over the packets, its body emitted for `results` (its own emitter and dispatch tables). */
function packetLoop(
  program: VerifiedProgram,
  opts: GenerateOptions,
  scope: Scope,
  results: Results,
  unroll: number,
): { emit: InsnEmitter; loop: ES.Statement[] } {
  const counting = results === 'count';
  const plan: LoadPlan = { profile: program.profile, little: opts.little, guarded: true, batch: true, counting, tablePrefix: counting ? 'c' : 'w' };
  const { emit, body } = programBody(program, opts, scope, plan);
  // The exit that ends the block needs no break (kept when it carries the instruction's comment:
  // the counting loop's `ret #0` is that break alone).
  const last = body[body.length - 1];
  if (last?.type === 'BreakStatement' && last.label?.name === 'packet' && !('comments' in last)) body.pop();
  const id = (n: string): ES.Identifier => scope.id(n);
  // Short packets and the rare ones the branch-free form cannot decide take the ordinary code.
  const first = branchFree(program, opts, scope, emit, () => emit.id('wire'));
  if (first !== null) body.unshift(first);
  const i = id('i');
  const index = (array: string): ES.Expression => computed(id(array), i);
  const inView = logical(
    '&&',
    logical('&&', bin('>=', id('base'), u32(0)), bin('>=', id('len'), u32(0))),
    bin('<=', bin('+', id('base'), id('len')), id('total')),
  );
  const perPacket: ES.Statement[] = [
    declare('const', [[id('base'), index('offsets')], [id('len'), index('lengths')]]),
    // Before any load: the packet must lie inside the view (else a typed error naming it).
    ifElse(not(inView), [throwStmt(call(emit.id('badPacket'), [id('batch'), i]))]),
  ];
  if (emit.used.has('wire')) perPacket.push(declare('const', [[id('wire'), toU32(index('wires'))]]));
  if (!counting) emit.used.add('R');
  perPacket.push(...registerLocals(emit, scope, counting ? [] : ['R']), labelled(id('packet'), body));
  if (!counting) {
    const store = assign(computed(id('out'), i), id('R'));
    perPacket.push(results === 'store' ? store : ifElse(bin('!==', id('out'), nullLiteral()), [store]));
  }
  return { emit, loop: unroll > 1 ? unrolledLoop(id, perPacket, unroll) : [countedLoop(i, id('count'), perPacket)] };
}

/**
 * The loop of a small program, `k` packets per iteration (the same statements `k` times, each in
 * a block with its own `const i`), then the last few one at a time.
 */
function unrolledLoop(id: (n: string) => ES.Identifier, perPacket: ES.Statement[], k: number): ES.Statement[] {
  const next = id('next');
  const packet = (index: ES.Expression): ES.BlockStatement => block([declare('const', [[id('i'), index]]), ...perPacket]);
  const at = (j: number): ES.Expression => (j === 0 ? next : bin('+', next, u32(j)));
  const groups = forLoop(
    null,
    bin('<', bin('+', next, u32(k - 1)), id('count')),
    assignExpr(next, bin('+', next, u32(k))),
    Array.from({ length: k }, (_, j) => packet(at(j))),
  );
  const rest = forLoop(null, bin('<', next, id('count')), assignExpr(next, bin('+', next, u32(1))), [packet(next)]);
  // Its own block: the two loops of a split runBatch each declare `next`.
  return [block([declare('let', [[next, u32(0)]]), groups, rest])];
}
