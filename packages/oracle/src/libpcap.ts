/**
 * libpcap as an oracle, through the C helper run_libpcap: how pcap_open_offline/pcap_next_ex
 * read a capture file (snap lengths, damage) and what bpf_validate and bpf_filter make of a
 * program in userland, which is what `tcpdump -r` runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SockFilter } from '@ea/bpf';
import { buildHelper, gccUnavailable } from './build.js';

/** One packet as libpcap handed it out, with bpf_filter's result when a valid program ran. */
export interface LibpcapPacket {
  readonly capLength: number;
  readonly wireLength: number;
  readonly result?: number;
}

/** What run_libpcap reported for one capture file. */
export interface LibpcapReport {
  /** pcap_open_offline's error, when the file could not be opened (then nothing else is set). */
  readonly openError: string | null;
  /** bpf_validate's answer (null when no program was given). */
  readonly valid: boolean | null;
  readonly packets: readonly LibpcapPacket[];
  /** pcap_next_ex's error after the last packet read, or null at a clean end of file. */
  readonly error: string | null;
}

let unavailable: string | null | undefined;

/** Returns why the libpcap oracle cannot run here (no gcc, no libpcap headers), or null. */
export function libpcapUnavailable(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = gccUnavailable();
  if (unavailable === null) {
    try {
      buildHelper('run_libpcap', ['-lpcap']);
    } catch {
      unavailable = 'libpcap headers are not installed (apt-get install libpcap-dev; .ci/run installs it)';
    }
  }
  return unavailable;
}

let scratch: string | undefined;

/**
 * Reads `capture` (a path, or bytes written to a temporary file) with libpcap; with `program`,
 * also validates it and runs bpf_filter over every packet. The program must terminate (libpcap
 * does not bound backward jumps): the helper is killed after `timeoutMs`.
 */
export function runLibpcap(capture: string | Uint8Array, program?: readonly SockFilter[], timeoutMs = 60_000): LibpcapReport {
  scratch ??= mkdtempSync(join(tmpdir(), 'ea-libpcap-'));
  let path = capture;
  if (typeof path !== 'string') {
    path = join(scratch, 'capture');
    writeFileSync(path, capture);
  }
  const args = [path];
  if (program !== undefined) {
    const file = join(scratch, 'program');
    writeFileSync(file, `${program.length}\n${program.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`).join('\n')}\n`);
    args.push(file);
  }
  const binary = buildHelper('run_libpcap', ['-lpcap']);
  const out = execFileSync(binary, args, { maxBuffer: 1 << 28, timeout: timeoutMs }).toString();
  let openError: string | null = null;
  let valid: boolean | null = null;
  let error: string | null = null;
  const packets: LibpcapPacket[] = [];
  for (const line of out.split('\n')) {
    const tag = line.slice(0, 1);
    const rest = line.slice(2);
    if (tag === 'O') openError = rest;
    else if (tag === 'V') valid = rest === '1';
    else if (tag === 'E') error = rest;
    else if (tag === 'K') {
      const [cap, wire, result] = rest.split(' ').map(Number);
      packets.push(result === undefined ? { capLength: cap!, wireLength: wire! } : { capLength: cap!, wireLength: wire!, result });
    }
  }
  return { openError, valid, packets, error };
}

/** Returns bpf_validate's answer for each program (libpcap's userland check; nothing runs). */
export function libpcapValidate(programs: readonly (readonly SockFilter[])[]): boolean[] {
  const text = programs.map((p) => `${p.length}\n${p.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`).join('\n')}\n`).join('');
  const binary = buildHelper('run_libpcap', ['-lpcap']);
  const out = execFileSync(binary, ['-v'], { input: text, maxBuffer: 1 << 26 }).toString();
  const answers = out.split('\n').filter((l) => l.startsWith('V ')).map((l) => l === 'V 1');
  if (answers.length !== programs.length) throw new Error(`run_libpcap -v answered ${answers.length} of ${programs.length} programs`);
  return answers;
}
