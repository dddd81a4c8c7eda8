/**
 * The README's console examples are a test: each `$ pnpm ea-bpf …` line runs through runCli
 * (in-process) in a scratch directory standing for /tmp/ea, and its stdout and exit code must be
 * what the README shows (a `…` line stands for lines left out). `printf` lines run in bash.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCapture, writePcap } from '@ea/pcap';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/index.js';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'ea-cli-readme-'));
const local = (text: string): string => text.replaceAll('/tmp/ea', dir);

interface Example {
  readonly command: string;
  readonly output: readonly string[];
}

/** Every `$ command` of the ```console blocks with the lines it prints. */
function examples(): Example[] {
  const list: { command: string; output: string[] }[] = [];
  for (const block of readme.matchAll(/```console\n([\s\S]*?)```/g)) {
    const lines = block[1]!.replace(/\\\n\s*/g, '').split('\n');
    lines.pop(); // the block ends with a newline
    for (const line of lines) {
      if (line.startsWith('$ ')) list.push({ command: line.slice(2), output: [] });
      else list.at(-1)!.output.push(line);
    }
  }
  return list;
}

// The example files: the README's bpf_asm program, its capture and tcpdump's `tcp port 80`.
writeFileSync(join(dir, 'deny-execve.s'), /```asm\n([\s\S]*?)```/.exec(readme)![1]!);
writeFileSync(join(dir, 'capture.pcap'), writePcap(generateCapture({ count: 1000, seed: 1 })));
const tcpdump = spawnSync('tcpdump', ['-ddd', '-r', join(dir, 'capture.pcap'), 'tcp port 80'], { encoding: 'utf8' });
const noTcpdump = tcpdump.status === 0 ? '' : 'tcpdump is not available to compile tcp port 80';
if (noTcpdump === '') writeFileSync(join(dir, 'http.ddd'), tcpdump.stdout);

/** Runs ea-bpf in-process, collecting what it writes on stdout. */
async function capture(argv: readonly string[]): Promise<{ code: number; stdout: Buffer }> {
  const chunks: Buffer[] = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(Buffer.from(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCli(argv);
    return { code, stdout: Buffer.concat(chunks) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Checks that `actual` is `expected` with each `…` line standing for any number of lines. */
function expectLines(actual: string, expected: readonly string[]): void {
  const lines = actual.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const parts: string[][] = [[]];
  for (const line of expected) {
    if (line === '…') parts.push([]);
    else parts.at(-1)!.push(line);
  }
  if (parts.length === 1) {
    expect(lines).toEqual(expected);
    return;
  }
  expect(lines.slice(0, parts[0]!.length)).toEqual(parts[0]);
  const last = parts.at(-1)!;
  expect(lines.slice(lines.length - last.length)).toEqual(last);
  let at = parts[0]!.length;
  for (const part of parts.slice(1, -1)) {
    const text = part.join('\n');
    const found = lines.findIndex((_, i) => i >= at && lines.slice(i, i + part.length).join('\n') === text);
    expect(found, `lines ${JSON.stringify(part)} in order`).toBeGreaterThanOrEqual(at);
    at = found + part.length;
  }
  expect(at).toBeLessThanOrEqual(lines.length - last.length);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  const list = examples();

  it('documents every subcommand', () => {
    const used = new Set(list.map((e) => /^pnpm ea-bpf (\S+)/.exec(e.command)?.[1]).filter((c) => c !== undefined));
    expect([...used].sort()).toEqual(['asm', 'audit', 'compat', 'diff', 'disasm', 'explain', 'filter', 'jit', 'layout', 'run', 'syscalls', 'verify']);
  });

  for (const { command, output } of list) {
    const skip = command.includes('http.ddd') ? noTcpdump : '';
    it.skipIf(skip !== '')(`${command}${skip === '' ? '' : ` (skipped: ${skip})`}`, async () => {
      if (command.startsWith('printf ')) {
        const run = spawnSync('bash', ['-c', local(command)], { encoding: 'utf8' });
        expect(run.status).toBe(0);
        expect(output).toEqual([]);
        return;
      }
      const m = /^pnpm ea-bpf (.*?)(?: > (\S+))?(; echo "exit \$\?")?$/.exec(command);
      expect(m, 'a `pnpm ea-bpf ...` command').not.toBeNull();
      const [, args, redirect, showExit] = m!;
      const expected = [...output];
      const code = showExit === undefined ? 0 : Number(/^exit (\d+)$/.exec(expected.pop() ?? '')?.[1]);
      const result = await capture(local(args!).split(/\s+/));
      expect(result.code).toBe(code);
      if (redirect !== undefined) {
        if (redirect !== '/dev/null') writeFileSync(local(redirect), result.stdout);
        expect(expected).toEqual([]);
        return;
      }
      expectLines(result.stdout.toString('utf8').replaceAll(dir, '/tmp/ea'), expected);
    });
  }
});
