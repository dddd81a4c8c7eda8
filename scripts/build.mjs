#!/usr/bin/env node
/**
 * `pnpm build`: emits dist/ JavaScript and .d.ts for every workspace package, dependencies
 * first, with `tsc -p packages/<p>/tsconfig.build.json`. Each tsconfig.build.json sets the
 * `ea-dist` condition, so a package compiles against the dist/ types of the @ea packages it
 * imports, exactly as plain `node --conditions=ea-dist` will load them.
 *
 *   node scripts/build.mjs                 build every package
 *   node scripts/build.mjs @ea/bpf ...     build these packages and what they depend on
 *
 * A package without src/index.ts or tsconfig.build.json is reported and skipped; a package
 * whose dependency failed is not attempted. Exit status 1 if anything was not built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Reads every packages/<dir>/package.json into { name, dir, deps } (deps: @ea packages only). */
function workspacePackages() {
  const base = join(root, 'packages');
  const out = new Map();
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    const manifest = join(base, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    const deps = (field) => Object.keys(pkg[field] ?? {}).filter((d) => d.startsWith('@ea/'));
    out.set(pkg.name, { name: pkg.name, dir: join(base, entry.name), deps: deps('dependencies'), devDeps: deps('devDependencies') });
  }
  return out;
}

/**
 * Orders packages so each comes after the @ea packages it depends on. Dev dependencies count
 * too (a test-only package may still be imported by src), unless they would close a cycle.
 */
function buildOrder(packages) {
  const order = [];
  const state = new Map(); // name -> 'visiting' | 'done'
  const visit = (name, via) => {
    const pkg = packages.get(name);
    if (pkg === undefined || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      if (via === 'dependencies') throw new Error(`dependency cycle through ${name}`);
      return; // a dev dependency that closes a cycle does not order the build
    }
    state.set(name, 'visiting');
    for (const d of pkg.deps) visit(d, 'dependencies');
    for (const d of pkg.devDeps) visit(d, 'devDependencies');
    state.set(name, 'done');
    order.push(pkg);
  };
  for (const name of [...packages.keys()].sort()) visit(name, 'dependencies');
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

function main(argv) {
  const packages = workspacePackages();
  const wanted = argv.length > 0 ? withDependencies(packages, argv) : new Set(packages.keys());
  const results = [];
  const failed = new Set();
  for (const pkg of buildOrder(packages)) {
    if (!wanted.has(pkg.name)) continue;
    const rel = relative(root, pkg.dir);
    const config = join(pkg.dir, 'tsconfig.build.json');
    const brokenDep = pkg.deps.find((d) => failed.has(d));
    let status;
    if (brokenDep !== undefined) status = `skipped: dependency ${brokenDep} was not built`;
    else if (!existsSync(join(pkg.dir, 'src', 'index.ts'))) status = 'skipped: no src/index.ts yet';
    else if (!existsSync(config)) status = `skipped: no ${rel}/tsconfig.build.json`;
    else {
      rmSync(join(pkg.dir, 'dist'), { recursive: true, force: true });
      const started = Date.now();
      const run = spawnSync(process.execPath, [tsc, '-p', config], { cwd: root, encoding: 'utf8' });
      if (run.status === 0) status = `built in ${((Date.now() - started) / 1000).toFixed(1)} s`;
      else {
        status = 'FAILED';
        process.stderr.write(`\n${pkg.name}: tsc -p ${relative(root, config)} failed:\n${run.stdout}${run.stderr}\n`);
      }
    }
    if (!status.startsWith('built')) failed.add(pkg.name);
    results.push({ name: pkg.name, status });
    process.stdout.write(`${pkg.name.padEnd(18)} ${status}\n`);
  }
  if (failed.size > 0) {
    process.stdout.write(`\n${failed.size} of ${results.length} packages not built: ${[...failed].join(', ')}\n`);
    return 1;
  }
  process.stdout.write(`\nall ${results.length} packages built\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
