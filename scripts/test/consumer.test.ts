/**
 * The packages as an npm user meets them. Every published package is built and packed
 * (scripts/pack.mjs), the tarballs are installed with npm into a fresh project outside the
 * workspace, and then, with nothing of the workspace in reach:
 *   - plain `node` runs an ESM script that imports every package and runs filters;
 *   - tsc checks a TypeScript file against the installed .d.ts under moduleResolution node16
 *     and bundler, with skipLibCheck off and no @types/node;
 *   - the installed `ea-bpf` answers --help and verifies a program;
 *   - esbuild bundles the installed packages for the browser, and headless Chromium runs them.
 * It also prints the sizes the README quotes (installed, and minified+gzipped bundles).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { assemble } from '@ea/bpf';
import { compile } from '@ea/jit';
import { captureBatch, generateCapture } from '@ea/pcap';
import { verify } from '@ea/verifier';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from '@ea/testkit';
// @ts-expect-error: a plain .mjs script without declarations (it is also a command).
import { packAll } from '../pack.mjs';

const root = join(import.meta.dirname, '../..');
const fixtures = join(root, 'scripts', 'consumer');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const unavailable = npm.status === 0 ? null : 'npm is not on PATH';

/** Sums the sizes of every file under `dir`. */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

describe.skipIf(unavailable !== null)(`npm consumer of the packed packages${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let work = '';
  let project = '';
  let tarballs: { file: string; bytes: number }[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ea-consumer-'));
    tarballs = packAll(join(work, 'tarballs')) as typeof tarballs;
    project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'ea-consumer', private: true, type: 'module' })}\n`);
    for (const name of ['smoke.mjs', 'types.ts', 'browser.mjs']) copyFileSync(join(fixtures, name), join(project, name));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs.map((t) => t.file)], {
      cwd: project,
      stdio: 'pipe',
    });
  }, 600_000);

  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('packs every published package, each depending on the others at the packed version', () => {
    const names = tarballs.map((t) => t.file.split('/').pop());
    expect(names).toContain('ea-jit-0.1.0.tgz');
    expect(names).toContain('ea-cli-0.1.0.tgz');
    expect(names.some((n) => n?.startsWith('ea-oracle'))).toBe(false);
  });

  it('runs an ESM script with plain node, agreeing with the workspace sources', () => {
    const run = spawnSync(process.execPath, ['smoke.mjs'], { cwd: project, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    const packet = verify(assemble('ldh [12]\njeq #0x800, yes, no\nyes: ret #262144\nno: ret #0'), { profile: 'socket' });
    const matched = compile(packet).runBatch(captureBatch(generateCapture({ count: 200, seed: 7 })));
    expect(result).toMatchObject({ accelerated: true, verdicts: ['allow', 'errno', 'kill_process'], matched, packets: 200, clone3: 435 });
    const loaded = result['loaded'] as Record<string, number>;
    for (const name of ['bpf', 'verifier', 'interpreter', 'jit', 'seccomp', 'pcap', 'layout', 'policy']) {
      expect(loaded[`@ea/${name}`], name).toBeGreaterThan(0);
    }
    for (const count of Object.values(loaded)) expect(count).toBeGreaterThan(0);
  });

  for (const resolution of ['node16', 'bundler'] as const) {
    it(`type-checks a consumer under moduleResolution ${resolution}, skipLibCheck off`, () => {
      const config = {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          module: resolution === 'node16' ? 'node16' : 'esnext',
          moduleResolution: resolution,
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: [],
        },
        files: ['types.ts'],
      };
      writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(config));
      const check = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: project, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  }

  it('runs the installed ea-bpf with plain node', () => {
    const bin = join(project, 'node_modules', '.bin', 'ea-bpf');
    const help = spawnSync(bin, ['--help'], { cwd: project, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('ea-bpf');
    writeFileSync(join(project, 'allow.bpf'), 'ld [0]\njeq #39, ok\nret #0\nok: ret #0x7fff0000\n');
    const check = spawnSync(bin, ['verify', 'allow.bpf', '--profile', 'seccomp'], { cwd: project, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('accepted');
  });

  describe.skipIf(CHROMIUM_MISSING !== null)(`in headless Chromium${CHROMIUM_MISSING ? ` (skipped: ${CHROMIUM_MISSING})` : ''}`, () => {
    let server: Server | undefined;

    afterAll(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    it('bundles the installed packages with esbuild and runs them', async () => {
      const bundle = await build({
        entryPoints: [join(project, 'browser.mjs')],
        absWorkingDir: project,
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      const script = bundle.outputFiles[0]!.text;
      server = createServer((req, res) => {
        if (req.url === '/ea.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
        else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>ea</title><script src="/ea.js"></script>');
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await page.goto(`${base}/`);
        const result = await page.evaluate(() => (globalThis as unknown as { eaResult: unknown }).eaResult);
        expect(result).toEqual({ accelerated: true, answers: [[0x7fff0000, 0x7fff0000], [0x50001, 0x50001]] });
      } finally {
        await browser.close();
      }
    });
  });

  it('reports the sizes the README quotes', async () => {
    const installed = treeBytes(join(project, 'node_modules'));
    const bundled = async (imports: string[]): Promise<{ min: number; gzip: number }> => {
      const entry = join(project, `size-${imports.length}.mjs`);
      writeFileSync(entry, `${imports.map((p, i) => `import * as m${i} from '${p}';`).join('\n')}\nglobalThis.ea = [${imports.map((_, i) => `m${i}`).join(', ')}];\n`);
      const out = await build({ entryPoints: [entry], absWorkingDir: project, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
      const code = out.outputFiles[0]!.contents;
      return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
    };
    const runtime = await bundled(['@ea/bpf', '@ea/verifier', '@ea/interpreter', '@ea/jit']);
    const library = readdirSync(join(project, 'node_modules', '@ea')).filter((n) => n !== 'cli').map((n) => `@ea/${n}`);
    const whole = await bundled(library);
    const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
    console.log(
      [
        `tarballs: ${tarballs.map((t) => `${t.file.split('/').pop()} ${kib(t.bytes)}`).join(', ')}`,
        `installed node_modules (all packages and their dependencies): ${kib(installed)}`,
        `seccomp runtime path (bpf+verifier+interpreter+jit): ${kib(runtime.min)} minified, ${kib(runtime.gzip)} gzipped`,
        `whole library (${library.join(', ')}): ${kib(whole.min)} minified, ${kib(whole.gzip)} gzipped`,
      ].join('\n'),
    );
    expect(runtime.gzip).toBeGreaterThan(0);
    expect(whole.min).toBeGreaterThan(runtime.min);
  });
});
