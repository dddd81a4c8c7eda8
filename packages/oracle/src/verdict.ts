/**
 * The kernel's load-time verdict for classic BPF programs, from c/verdict.c: socket filters via
 * SO_ATTACH_FILTER on a fresh AF_UNIX datagram socket, seccomp filters via seccomp(2) in a
 * forked child. 0 means accepted, otherwise the errno number the kernel returned.
 */
import { execFileSync } from 'node:child_process';
import { endianness } from 'node:os';
import type { SockFilter } from '@ea/bpf';
import { buildHelper } from './build.js';

const MODE = { socket: 0, seccomp: 1, chain: 2 } as const;
const LE = endianness() === 'LE';
/** Programs per helper run; keeps each pipe transfer a few MB. */
const BATCH = 4000;

function helper(): string {
  return buildHelper('verdict');
}

class Writer {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private at = 0;
  private ensure(more: number): void {
    if (this.at + more <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + more) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.at, v >>> 0, LE);
    this.at += 4;
  }
  insns(program: readonly SockFilter[]): void {
    this.ensure(program.length * 8);
    for (const i of program) {
      this.view.setUint16(this.at, i.code, LE);
      this.view.setUint8(this.at + 2, i.jt);
      this.view.setUint8(this.at + 3, i.jf);
      this.view.setUint32(this.at + 4, i.k >>> 0, LE);
      this.at += 8;
    }
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

function run(input: Uint8Array, results: number): number[] {
  const out = execFileSync(helper(), [], { input, maxBuffer: results * 4 + 1024 });
  if (out.length !== results * 4) throw new Error(`verdict helper returned ${out.length} bytes, expected ${results * 4}`);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  return Array.from({ length: results }, (_, i) => view.getInt32(i * 4, LE));
}

/**
 * Returns the kernel's verdict for each program: 0 when it loads, else the errno number
 * (EINVAL 22, ENOMEM 12, ...). Seccomp programs load in one forked child each.
 */
export function kernelVerdicts(programs: readonly (readonly SockFilter[])[], profile: 'socket' | 'seccomp'): number[] {
  const results: number[] = [];
  for (let start = 0; start < programs.length; start += BATCH) {
    const chunk = programs.slice(start, start + BATCH);
    const w = new Writer();
    for (const p of chunk) {
      w.u32(MODE[profile]);
      w.u32(p.length);
      w.insns(p);
    }
    results.push(...run(w.bytes(), chunk.length));
  }
  return results;
}

/**
 * Loads the filters in order into one fresh task (stacking them) and returns each seccomp()
 * result: 0, an errno, or -1 for filters not attempted after a failure. The filters must let
 * seccomp(2) itself through, or later loads die with the task.
 */
export function kernelChainVerdicts(filters: readonly (readonly SockFilter[])[]): number[] {
  const w = new Writer();
  w.u32(MODE.chain);
  w.u32(filters.length);
  for (const f of filters) {
    w.u32(f.length);
    w.insns(f);
  }
  return run(w.bytes(), filters.length);
}
