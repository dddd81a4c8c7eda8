#!/usr/bin/env node
/**
 * `pnpm build`: emits dist/ JavaScript and .d.ts for every workspace package, dependencies
 * first, with `tsc -p packages/<p>/tsconfig.build.json`. Each tsconfig.build.json switches off
 * the root tsconfig's paths (which map @ea/* to sources inside the workspace), so a package
 * compiles against the dist/ types of the @ea packages it imports, through their published
 * exports, exactly as plain `node` and an npm consumer will load them.
 *
 *   node scripts/build.mjs                 build every package
 *   node scripts/build.mjs @ea/bpf ...     build these packages and what they depend on
 *
 * Independent packages build in parallel (one tsc per CPU). A package without src/index.ts or
 * tsconfig.build.json is reported and skipped; a package whose dependency failed is not
 * attempted. Exit status 1 if anything was not built.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Reads every published packages/<dir>/package.json into { name, dir, deps } (deps: @ea packages only). */
function workspacePackages() {
  const base = join(root, 'packages');
  const out = new Map();
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    const manifest = join(base, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    // Private packages (@ea/oracle, @ea/testkit) are test-only: never published, never built.
    if (pkg.private === true) continue;
    const deps = (field) => Object.keys(pkg[field] ?? {}).filter((d) => d.startsWith('@ea/'));
    out.set(pkg.name, { name: pkg.name, dir: join(base, entry.name), deps: deps('dependencies') });
  }
  return out;
}

/**
 * Orders packages so each comes after the @ea packages it depends on. Only dependencies order
 * the build: src/ imports exactly those (scripts/test/manifests.test.ts holds it), while dev
 * dependencies serve tests and may point back (@ea/ebpf's tests use @ea/ebpf-jit, which depends
 * on @ea/ebpf).
 */
function buildOrder(packages) {
  const order = [];
  const state = new Map(); // name -> 'visiting' | 'done'
  const visit = (name) => {
    const pkg = packages.get(name);
    if (pkg === undefined || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependency cycle through ${name}`);
    state.set(name, 'visiting');
    for (const d of pkg.deps) visit(d);
    state.set(name, 'done');
    order.push(pkg);
  };
  for (const name of [...packages.keys()].sort()) visit(name);
  return order;
}

/** The named packages plus everything they depend on (not their dev dependencies). */
function withDependencies(packages, names) {
  const wanted = new Set();
  const add = (name) => {
    if (wanted.has(name)) return;
    if (!packages.has(name)) throw new Error(`no workspace package named ${name}`);
    wanted.add(name);
    for (const d of packages.get(name).deps) add(d);
  };
  for (const name of names) add(name);
  return wanted;
}

/** Runs tsc for one package; resolves to its status line. */
function compile(pkg) {
  const config = join(pkg.dir, 'tsconfig.build.json');
  rmSync(join(pkg.dir, 'dist'), { recursive: true, force: true });
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', config], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ ok: false, status: `FAILED: ${error.message}` }));
    child.on('close', (code) => {
      if (code === 0) resolve({ ok: true, status: `built in ${((Date.now() - started) / 1000).toFixed(1)} s` });
      else {
        process.stderr.write(`\n${pkg.name}: tsc -p ${relative(root, config)} failed:\n${output}\n`);
        resolve({ ok: false, status: 'FAILED' });
      }
    });
  });
}

/**
 * Builds the wanted packages, each once every @ea package it imports is built, running up to
 * one tsc per CPU at a time.
 */
async function main(argv) {
  const packages = workspacePackages();
  const wanted = argv.length > 0 ? withDependencies(packages, argv) : new Set(packages.keys());
  const order = buildOrder(packages).filter((pkg) => wanted.has(pkg.name));
  const done = new Map(); // name -> true (built) | false (not built)
  const running = new Set();
  const limit = Math.max(1, availableParallelism());
  const report = (pkg, ok, status) => {
    done.set(pkg.name, ok);
    process.stdout.write(`${pkg.name.padEnd(18)} ${status}\n`);
  };
  // A package waits for the published @ea packages it depends on (a dependency on a private
  // one would be refused by manifests.test.ts; it must not make this loop wait forever).
  const gate = (pkg) => pkg.deps.filter((d) => packages.has(d));
  while (done.size < order.length) {
    for (const pkg of order) {
      if (done.has(pkg.name) || running.has(pkg.name)) continue;
      const deps = gate(pkg);
      const broken = deps.find((d) => done.get(d) === false);
      if (broken !== undefined) report(pkg, false, `skipped: dependency ${broken} was not built`);
      else if (!existsSync(join(pkg.dir, 'src', 'index.ts'))) report(pkg, false, 'skipped: no src/index.ts yet');
      else if (!existsSync(join(pkg.dir, 'tsconfig.build.json'))) {
        report(pkg, false, `skipped: no ${relative(root, pkg.dir)}/tsconfig.build.json`);
      } else if (running.size < limit && deps.every((d) => done.get(d) === true)) {
        running.add(pkg.name);
        compile(pkg).then(({ ok, status }) => {
          running.delete(pkg.name);
          report(pkg, ok, status);
          wake();
        });
      }
    }
    if (done.size < order.length) await new Promise((resolve) => (wake = resolve));
  }
  const failed = [...done].filter(([, ok]) => !ok).map(([name]) => name);
  if (failed.length > 0) {
    process.stdout.write(`\n${failed.length} of ${order.length} packages not built: ${failed.join(', ')}\n`);
    return 1;
  }
  process.stdout.write(`\nall ${order.length} packages built\n`);
  return 0;
}

let wake = () => {};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
