/**
 * `verify FILE --isa ebpf`: the load-time checks and @ea/ebpf-verifier. A clang-built object has
 * each program verified for the program type its section names (`xdp`, `socket`, `tc`; `raw`
 * sections have no kernel counterpart and get the load-time checks only); a raw program is
 * verified when `--prog-type` or `--mem-size` says what r1 points to (else only the load-time
 * checks run, as the memory's size is unknown). Refusals print the pc and the kernel's log line.
 */
import { EbpfLoadError, load, readProgramBytes } from '@ea/ebpf';
import { contextOf, loadObject, type ObjectProgram, verifyProgram } from '@ea/ebpf-object';
import { checkEbpf, type EbpfVerdict, type ProgType } from '@ea/ebpf-verifier';
import { elfObject } from './ebpf-object.js';
import { inputName, printJson, readInput, UsageError } from './output.js';

/** Is what `verify --isa ebpf` takes besides the file. */
export interface EbpfVerifyOptions {
  readonly json?: boolean;
  readonly progType?: unknown;
  readonly memSize?: unknown;
  readonly unprivileged?: unknown;
  readonly section?: unknown;
}

const PROG_TYPES: Record<string, ProgType> = { xdp: 'xdp', socket: 'socket_filter', socket_filter: 'socket_filter', tc: 'tc', raw: 'raw' };

function progTypeOption(value: unknown): ProgType | undefined {
  if (value === undefined) return undefined;
  const found = PROG_TYPES[String(value)];
  if (found === undefined) throw new UsageError(`--prog-type must be xdp, socket, tc or raw (got ${JSON.stringify(String(value))})`);
  return found;
}

function memSizeOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1 << 20) throw new UsageError(`--mem-size must be a byte count up to 1048576 (got ${JSON.stringify(String(value))})`);
  return n;
}

interface Row {
  readonly name?: string;
  readonly accepted: boolean;
  readonly verified: boolean;
  readonly processed?: number;
  readonly reason?: string;
  readonly pc?: number;
  readonly message?: string;
  readonly log?: string;
}

function verdictRow(verdict: EbpfVerdict, name?: string): Row {
  const base = name === undefined ? {} : { name };
  if (verdict.accepted) return { ...base, accepted: true, verified: true, processed: verdict.stats.processed };
  const e = verdict.error;
  return { ...base, accepted: false, verified: true, reason: e.reason, pc: e.pc, message: e.message, log: e.log };
}

function printRow(row: Row, prefix: string): void {
  if (!row.accepted) process.stdout.write(`${prefix}rejected: ${row.message}\n`);
  else if (row.verified) process.stdout.write(`${prefix}accepted: ${row.processed} instructions processed\n`);
  else process.stdout.write(`${prefix}accepted by the load-time checks (not verified: no program type)\n`);
}

/** Verifies a program or every program of an object; exit 1 when any is refused. */
export function ebpfVerifyCommand(file: string, options: EbpfVerifyOptions): number {
  const progType = progTypeOption(options.progType);
  const memSize = memSizeOption(options.memSize);
  const privileged = options.unprivileged !== true;
  const object = elfObject(file);
  const rows: Row[] = [];
  if (object !== null) {
    let loaded: ReturnType<typeof loadObject>;
    try {
      loaded = loadObject(object);
    } catch (error) {
      if (error instanceof Error) error.message = `${inputName(file)}: ${error.message}`;
      throw error;
    }
    const wanted = options.section === undefined ? null : String(options.section);
    const programs = loaded.programs.filter((p: ObjectProgram) => wanted === null || p.section === wanted || p.name === wanted);
    if (programs.length === 0) throw new UsageError(`${inputName(file)}: no program ${JSON.stringify(wanted)} (sections: ${loaded.programs.map((p) => p.section).join(', ')})`);
    for (const program of programs) {
      const name = `${program.section} (${program.name})`;
      const context = contextOf(program.section);
      try {
        load(program.bytes);
        const stats = verifyProgram(loaded, program, context, { privileged });
        rows.push(stats === null ? { name, accepted: true, verified: false } : { name, accepted: true, verified: true, processed: stats.processed });
      } catch (error) {
        if (error instanceof EbpfLoadError) rows.push({ name, accepted: false, verified: false, reason: error.reason, pc: error.pc, message: error.message });
        else if (error instanceof Error && 'log' in error) rows.push(verdictRow({ accepted: false, error: error as never }, name));
        else throw error;
      }
    }
  } else {
    const { bytes } = readProgramBytes(readInput(file));
    try {
      load(bytes);
      if (progType === undefined && memSize === undefined) rows.push({ accepted: true, verified: false });
      else rows.push(verdictRow(checkEbpf(bytes, { progType: progType ?? 'raw', privileged, ...(memSize !== undefined && { memSize }) })));
    } catch (error) {
      if (!(error instanceof EbpfLoadError)) throw error;
      rows.push({ accepted: false, verified: false, reason: error.reason, pc: error.pc, message: error.message });
    }
  }
  const ok = rows.every((r) => r.accepted);
  if (options.json === true) printJson(object === null ? rows[0] : { accepted: ok, programs: rows });
  else for (const row of rows) printRow(row, row.name === undefined ? '' : `${row.name}: `);
  return ok ? 0 : 1;
}
