/**
 * The packet-filtering workload: a generated capture (100,000 packets by default)
 * held in memory, and tcpdump expressions compiled by `tcpdump -ddd`. Like libpcap's
 * bpf_filter(buffer, wirelen, buflen), the filters read ONE DataView over the whole capture
 * through one reused context whose offset/length/wireLength/networkOffset are set per packet
 * (a DataView per packet dominated the filter time). Everything per packet (offsets,
 * lengths, header offsets) is made before timing starts, so the timed loop allocates nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeProgram, type Insn, readProgram } from '@ea/bpf';
import type { PacketBatch, PacketContext } from '@ea/interpreter';
import { type Capture, captureBatch, generateCapture, SAMPLE_EXPRESSIONS, writePcap } from '@ea/pcap';
import { type VerifiedProgram, verify } from '@ea/verifier';
import { ownLoop } from '../loop.js';

/** The capture as the filters see it: one view, and per packet where it starts and its lengths. */
export interface PacketSet {
  readonly count: number;
  /** One view over the whole capture. */
  readonly data: DataView;
  /** Where each packet starts in `data`. */
  readonly offsets: Int32Array;
  /** Each packet's captured length. */
  readonly capLengths: Int32Array;
  readonly wireLengths: Uint32Array;
  readonly networkOffsets: Int32Array;
  /** 0 (a MAC header at the start) for Ethernet, -1 otherwise. */
  readonly linkOffsets: Int32Array;
  readonly protocols: Uint16Array;
}

export interface FilterProgram {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly program: VerifiedProgram;
  /** The raw sock_filter array on disk, for the libpcap harness. */
  readonly binPath: string;
}

export interface PacketWorkload {
  readonly capture: Capture;
  readonly pcapPath: string;
  readonly set: PacketSet;
  readonly programs: readonly FilterProgram[];
}

/** Compiles an expression for Ethernet with the installed tcpdump (`tcpdump -ddd -y EN10MB`). */
export function tcpdumpProgram(expression: string): Insn[] {
  const text = execFileSync('tcpdump', ['-ddd', '-y', 'EN10MB', expression], { stdio: ['ignore', 'pipe', 'pipe'] });
  return readProgram(text, { format: 'ddd' }).insns;
}

/** Returns one view over a capture and its per-packet offsets (made once, outside any timing). */
export function packetSet(capture: Capture): PacketSet {
  const b = captureBatch(capture);
  return {
    count: b.count,
    data: b.data,
    offsets: b.offsets,
    capLengths: b.lengths,
    wireLengths: b.wireLengths,
    networkOffsets: b.networkOffsets,
    linkOffsets: b.linkOffsets,
    protocols: b.protocols,
  };
}

/** Returns the one context a pass reuses, over the whole capture. */
function sharedContext(set: PacketSet): PacketContext {
  return { data: set.data, offset: 0, length: 0, wireLength: 0, networkOffset: 0, linkOffset: 0, protocol: 0 };
}

type PacketLoop = (
  count: number,
  offsets: Int32Array,
  capLengths: Int32Array,
  wireLengths: Uint32Array,
  networkOffsets: Int32Array,
  protocols: Uint16Array,
  ctx: PacketContext,
  run: (ctx: PacketContext) => number,
) => number;

/**
 * Returns one pass over every packet: the match count, with one reused context and no
 * allocation. The loop is its own (loop.ts), so its call of `run` sees one function.
 */
export function packetPass(set: PacketSet, run: (ctx: PacketContext) => number): () => number {
  const { count, offsets, capLengths, wireLengths, networkOffsets, protocols } = set;
  const ctx = sharedContext(set);
  const loop = ownLoop<PacketLoop>(
    ['count', 'offsets', 'capLengths', 'wireLengths', 'networkOffsets', 'protocols', 'ctx', 'run'],
    `let matched = 0;
    for (let i = 0; i < count; i++) {
      ctx.offset = offsets[i];
      ctx.length = capLengths[i];
      ctx.wireLength = wireLengths[i];
      ctx.networkOffset = networkOffsets[i];
      ctx.protocol = protocols[i];
      if (run(ctx) !== 0) matched++;
    }
    return matched;`,
  );
  return () => loop(count, offsets, capLengths, wireLengths, networkOffsets, protocols, ctx, run);
}

/** Returns the capture as a PacketBatch (the arrays are the set's own; nothing is copied). */
export function packetBatch(set: PacketSet): PacketBatch {
  return {
    data: set.data,
    offsets: set.offsets,
    lengths: set.capLengths,
    wireLengths: set.wireLengths,
    networkOffsets: set.networkOffsets,
    linkOffsets: set.linkOffsets,
    protocols: set.protocols,
  };
}

/** Returns one pass over the capture as one runBatch call: the match count. */
export function batchPass(set: PacketSet, run: (batch: PacketBatch) => number): () => number {
  const batch = packetBatch(set);
  return () => run(batch);
}

/** Folds every return value of one runBatch call like the C harness does. */
export function batchHash(set: PacketSet, run: (batch: PacketBatch, results: Uint32Array) => number): number {
  const results = new Uint32Array(set.count);
  run(packetBatch(set), results);
  let h = 0;
  for (let i = 0; i < set.count; i++) h = (Math.imul(h, 31) + results[i]!) >>> 0;
  return h;
}

/** Folds every return value like the C harness does (h = h * 31 + ret, u32). */
export function packetHash(set: PacketSet, run: (ctx: PacketContext) => number): number {
  const ctx = sharedContext(set);
  let h = 0;
  for (let i = 0; i < set.count; i++) {
    ctx.offset = set.offsets[i]!;
    ctx.length = set.capLengths[i]!;
    ctx.wireLength = set.wireLengths[i]!;
    ctx.networkOffset = set.networkOffsets[i]!;
    ctx.protocol = set.protocols[i]!;
    h = (Math.imul(h, 31) + run(ctx)) >>> 0;
  }
  return h;
}

/** Generates the capture, writes it for the C harnesses and compiles every expression. */
export function preparePacketWorkload(dir: string, count: number, expressions = SAMPLE_EXPRESSIONS): PacketWorkload {
  mkdirSync(dir, { recursive: true });
  const capture = generateCapture({ count, seed: 1 });
  const pcapPath = join(dir, `packets-${count}.pcap`);
  writeFileSync(pcapPath, writePcap(capture));
  const programs = expressions.map((name, i): FilterProgram => {
    const insns = tcpdumpProgram(name);
    const binPath = join(dir, `filter-${i}.bin`);
    writeFileSync(binPath, encodeProgram(insns));
    return { name, insns, program: verify(insns, { profile: 'socket', skipSocketLimits: true }), binPath };
  });
  return { capture, pcapPath, set: packetSet(capture), programs };
}
