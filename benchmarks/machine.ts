/**
 * Describes the machine a run happened on, for the head of RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { buildLibpcapHarness, libpcapVersion, nativeUnavailable } from './native/build.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  readonly v8: string;
  readonly gcc: string;
  readonly libpcap: string;
  readonly tcpdump: string;
  /** 1-minute load average when the run ended (other work on the machine skews the numbers). */
  readonly load: number;
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n')[0]!.trim();
  } catch {
    return 'not installed';
  }
}

/** Collects CPU model, kernel, node, gcc, libpcap and tcpdump versions. */
export function describeMachine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpu = m[1];
  } catch {
    // not Linux
  }
  let libpcap = 'not available';
  if (nativeUnavailable() === null) {
    try {
      libpcap = libpcapVersion(buildLibpcapHarness());
    } catch {
      // leave as not available
    }
  }
  return {
    cpu,
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    v8: process.versions.v8,
    gcc: firstLine('gcc', ['--version']),
    libpcap,
    tcpdump: firstLine('tcpdump', ['--version']),
    load: loadavg()[0] ?? 0,
  };
}
