#!/usr/bin/env node
/**
 * `pnpm pack:all DIR`: builds every package (scripts/build.mjs) and packs each published one
 * into DIR with `pnpm pack`, which turns `workspace:*` into the version the workspace holds, so
 * the tarballs depend on each other at versions that exist together. Prints one line per
 * tarball (file, size) and, with --json, a JSON list instead. Private packages (@ea/oracle) are
 * not packed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Lists the published workspace packages: { name, dir }. */
export function publishedPackages() {
  const base = join(root, 'packages');
  const out = [];
  for (const entry of readdirSync(base, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const manifest = join(base, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (pkg.private !== true) out.push({ name: pkg.name, dir: join(base, entry.name) });
  }
  return out;
}

/** Builds everything, then packs each published package into `destination`; returns the tarballs. */
export function packAll(destination) {
  mkdirSync(destination, { recursive: true });
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  const before = new Set(readdirSync(destination));
  for (const pkg of publishedPackages()) {
    execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: pkg.dir, stdio: 'pipe' });
  }
  return readdirSync(destination)
    .filter((f) => f.endsWith('.tgz') && !before.has(f))
    .sort()
    .map((file) => ({ file: join(destination, file), bytes: statSync(join(destination, file)).size }));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const dir = args.find((a) => !a.startsWith('--'));
  if (dir === undefined) {
    process.stderr.write('usage: node scripts/pack.mjs DIR [--json]\n');
    process.exit(2);
  }
  const tarballs = packAll(resolve(dir));
  if (json) process.stdout.write(`${JSON.stringify(tarballs)}\n`);
  else for (const t of tarballs) process.stdout.write(`${t.file}  ${t.bytes} bytes\n`);
}
