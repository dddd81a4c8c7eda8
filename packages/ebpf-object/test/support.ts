/**
 * Test support: the C programs @ea/testkit keeps (clang builds them in the test setup; no object
 * is committed), random packets from a seeded generator, and the kernel through bpftool (root,
 * bpffs): load an object with its maps pinned, run packets one by one with BPF_PROG_TEST_RUN,
 * dump the maps.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export {
  clangUnavailable, compileBpfProgram as compileC, ethernetFrame as packet, seededFloats as random,
} from '@ea/testkit';

const OUT = mkdtempSync(join(tmpdir(), 'ea-ebpf-object-'));

/** Returns why the kernel cannot be used through bpftool here, or null. */
export function bpftoolUnavailable(): string | null {
  if (process.platform !== 'linux') return 'the kernel comparison needs Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the kernel comparison needs root (BPF_PROG_LOAD)';
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
  } catch {
    return 'bpftool is not installed (apt-get install bpftool; .ci/run installs it)';
  }
  try {
    execFileSync('sh', ['-c', 'mount | grep -q " /sys/fs/bpf " || mount -t bpf bpf /sys/fs/bpf'], { stdio: 'ignore' });
  } catch {
    return 'cannot mount the BPF filesystem at /sys/fs/bpf';
  }
  return null;
}

/** Is an object loaded into the kernel with its maps pinned. */
export interface KernelObject {
  /** Runs one packet (through the named program after loadAll); returns the program's return value. */
  run(packet: Uint8Array, program?: string): number;
  /** Puts a loaded program (by name, after loadAll) into slot `key` of a program array. */
  setProgram(map: string, key: number, program: string): void;
  /** Runs one packet `repeat` times (BPF_PROG_TEST_RUN's repeat); returns the kernel's average ns per run. */
  time(packet: Uint8Array, repeat: number): number;
  /** Dumps a pinned map: hex key to hex value. */
  dump(map: string): Map<string, string>;
  close(): void;
}

/**
 * Loads an object with bpftool (program type `type`, xdp by default) and pins the program (or,
 * with `all`, every program by name: `bpftool prog loadall`) and its maps under a fresh directory.
 */
export function kernelLoad(objectPath: string, all = false, type = 'xdp'): KernelObject {
  const dir = `/sys/fs/bpf/ea-object-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  execFileSync('mkdir', ['-p', `${dir}/maps`]);
  try {
    execFileSync('bpftool', ['prog', all ? 'loadall' : 'load', objectPath, `${dir}/prog`, 'type', type, 'pinmaps', `${dir}/maps`], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`bpftool prog load ${objectPath}: ${String((error as { stderr?: unknown }).stderr ?? error)}`);
  }
  const prog = (name?: string): string => (name === undefined ? `${dir}/prog` : `${dir}/prog/${name}`);
  const input = join(OUT, 'packet.bin');
  return {
    run(p, program) {
      writeFileSync(input, p);
      const out = execFileSync('bpftool', ['prog', 'run', 'pinned', prog(program), 'data_in', input], { stdio: 'pipe' }).toString();
      const m = /Return value: (\d+)/.exec(out);
      if (m === null) throw new Error(`bpftool prog run printed ${JSON.stringify(out)}`);
      return Number(m[1]);
    },
    setProgram(map, key, program) {
      const bytes = [...new Uint8Array(new Uint32Array([key]).buffer)].map(String);
      execFileSync('bpftool', ['map', 'update', 'pinned', `${dir}/maps/${map}`, 'key', ...bytes, 'value', 'pinned', prog(program)], { stdio: 'pipe' });
    },
    time(p, repeat) {
      writeFileSync(input, p);
      const out = execFileSync('bpftool', ['prog', 'run', 'pinned', `${dir}/prog`, 'data_in', input, 'repeat', String(repeat)], { stdio: 'pipe' }).toString();
      const m = /duration \(average\): (\d+)ns/.exec(out);
      if (m === null) throw new Error(`bpftool prog run printed ${JSON.stringify(out)}`);
      return Number(m[1]);
    },
    dump(map) {
      const json = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', `${dir}/maps/${map}`]).toString()) as { key: string[]; value: string[] }[];
      const hex = (b: string[]): string => b.map((x) => x.slice(2)).join('');
      return new Map(json.map((e) => [hex(e.key), hex(e.value)]));
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
