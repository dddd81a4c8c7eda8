/**
 * The seccomp workload: policies (libseccomp-generated ones from
 * @ea/testkit when present, hand-assembled ones otherwise) evaluated over
 * a realistic x86_64 syscall mix from @ea/seccomp. The calls are laid out as
 * 64-byte `struct seccomp_data` records in one buffer, with one DataView each.
 * The C harnesses read the same records from a pcap file (link type RAW); the
 * copy for libpcap's bpf_filter has every word byte-swapped, because bpf_filter
 * loads big-endian while seccomp loads native-endian words.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeProgram, type Insn } from '@ea/bpf';
import { captureFromPackets, LINKTYPE_RAW, writePcap } from '@ea/pcap';
import { AUDIT_ARCH_X86_64 } from '@ea/bpf';
import { syscallMix } from '@ea/seccomp';
import { type VerifiedProgram, verify } from '@ea/verifier';
import { ownLoop } from '../loop.js';
import { handPolicies } from './handpolicies.js';
import { libseccompPolicies } from './libseccomp.js';

const RECORD = 64;

export interface SeccompProgram {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly program: VerifiedProgram;
  readonly binPath: string;
}

export interface SeccompWorkload {
  readonly count: number;
  readonly views: readonly DataView[];
  /** Little-endian records, for the gcc translation. */
  readonly pcapPath: string;
  /** Byte-swapped records, for libpcap's big-endian loads. */
  readonly swappedPcapPath: string;
  readonly programs: readonly SeccompProgram[];
  /** Where the policies came from. */
  readonly source: string;
}

/**
 * Returns one pass over every call: how many were allowed, without allocating. The loop is its
 * own (loop.ts), so its call of `run` sees one function, as a sandbox's would.
 */
export function seccompPass(views: readonly DataView[], run: (view: DataView) => number): () => number {
  const loop = ownLoop<(views: readonly DataView[], run: (view: DataView) => number) => number>(
    ['views', 'run'],
    `const n = views.length;
    let nonzero = 0;
    for (let i = 0; i < n; i++) if (run(views[i]) !== 0) nonzero++;
    return nonzero;`,
  );
  return () => loop(views, run);
}

/** Folds every return value like the C harness (h = h * 31 + ret, u32). */
export function seccompHash(views: readonly DataView[], run: (view: DataView) => number): number {
  let h = 0;
  for (const v of views) h = (Math.imul(h, 31) + run(v)) >>> 0;
  return h;
}

/** The syscall mix as records: one DataView each, and the pcap files the C harnesses read. */
export interface SeccompRecords {
  readonly views: readonly DataView[];
  /** Little-endian records, for the gcc translation. */
  readonly pcapPath: string;
  /** Byte-swapped records, for libpcap's big-endian loads. */
  readonly swappedPcapPath: string;
}

/** Writes `count` calls of syscallMix (x86_64, seed 1) as 64-byte seccomp_data records. */
export function seccompRecords(dir: string, count: number): SeccompRecords {
  mkdirSync(dir, { recursive: true });
  const mix = syscallMix({ arch: 'x86_64', count, seed: 1 });
  const bytes = new Uint8Array(count * RECORD);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD;
    view.setUint32(at, mix.nr[i]!, true);
    view.setUint32(at + 4, AUDIT_ARCH_X86_64, true);
    view.setUint32(at + 8, 0x1234_5000 + (i & 0xff) * 16, true); // instruction_pointer, low word
    view.setUint32(at + 12, 0x7f3a, true);
    for (let w = 0; w < 12; w++) view.setUint32(at + 16 + 4 * w, mix.argWords[i * 12 + w]!, true);
  }
  const views: DataView[] = [];
  for (let i = 0; i < count; i++) views.push(new DataView(bytes.buffer, i * RECORD, RECORD));
  const swapped = new Uint8Array(bytes.length);
  for (let at = 0; at < bytes.length; at += 4) {
    swapped[at] = bytes[at + 3]!;
    swapped[at + 1] = bytes[at + 2]!;
    swapped[at + 2] = bytes[at + 1]!;
    swapped[at + 3] = bytes[at]!;
  }
  const asPcap = (b: Uint8Array): Uint8Array =>
    writePcap(
      captureFromPackets(
        Array.from({ length: count }, (_, i) => ({ data: b.subarray(i * RECORD, (i + 1) * RECORD), linkType: LINKTYPE_RAW })),
      ),
    );
  const pcapPath = join(dir, `seccomp-${count}.pcap`);
  const swappedPcapPath = join(dir, `seccomp-${count}-be.pcap`);
  writeFileSync(pcapPath, asPcap(bytes));
  writeFileSync(swappedPcapPath, asPcap(swapped));
  return { views, pcapPath, swappedPcapPath };
}

/** Builds the syscall records and policies and writes the harness inputs. */
export function prepareSeccompWorkload(dir: string, count: number): SeccompWorkload {
  const { views, pcapPath, swappedPcapPath } = seccompRecords(dir, count);
  const generated = libseccompPolicies(dir);
  const source = generated === null ? 'hand-assembled (the libseccomp policies of @ea/testkit are not available)' : generated.source;
  const list = generated?.policies ?? handPolicies();
  const programs = list.map(({ name, insns }, i): SeccompProgram => {
    const binPath = join(dir, `seccomp-${i}.bin`);
    writeFileSync(binPath, encodeProgram(insns));
    return { name, insns, program: verify(insns, { profile: 'seccomp' }), binPath };
  });
  return { count, views, pcapPath, swappedPcapPath, programs, source };
}
