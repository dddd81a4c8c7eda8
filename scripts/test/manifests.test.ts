/**
 * Every published package's manifest is what an npm user needs: exports that resolve to built
 * JavaScript with types first, a files list, engines, a license, sideEffects, a bin that plain
 * node runs, and dependencies that are exactly the packages its sources import (a missing one
 * breaks the install, an extra one is weight every user carries).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  engines?: { node?: string };
  sideEffects?: boolean | string[];
  files?: string[];
  bin?: Record<string, string>;
  exports?: Record<string, Record<string, string> | string>;
  dependencies?: Record<string, string>;
}

function packages(): { dir: string; pkg: Manifest }[] {
  const base = join(root, 'packages');
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((d) => ({ dir: join(base, d), pkg: JSON.parse(readFileSync(join(base, d, 'package.json'), 'utf8')) as Manifest }));
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Names the npm packages a source tree imports ('estree' types come from @types/estree). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  const builtins = new Set(builtinModules);
  for (const file of sources(dir)) {
    const text = readFileSync(file, 'utf8');
    // Statements that start a line (so a doc comment quoting an import does not count):
    // `import … from 'x'`, `export … from 'x'`, `import 'x'`, and dynamic `import('x')`.
    const statements = text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'/gm);
    for (const m of statements) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith('.')) continue;
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const parts = spec.split('/');
      const name = spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
      names.add(name === 'estree' ? '@types/estree' : name);
    }
  }
  return names;
}

describe('published package manifests', () => {
  const published = packages().filter(({ pkg }) => pkg.private !== true);

  it('finds the packages', () => {
    expect(published.map(({ pkg }) => pkg.name)).toContain('@ea/jit');
  });

  for (const { dir, pkg } of published) {
    describe(pkg.name, () => {
      it('exports built JavaScript, types first, and ships only dist/', () => {
        expect(pkg.files).toEqual(['dist']);
        expect(pkg.license).toBe('MIT');
        expect(pkg.engines?.node).toMatch(/^>=20/);
        expect(pkg.sideEffects).toBeDefined();
        for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
          expect(typeof target, subpath).toBe('object');
          const conditions = target as Record<string, string>;
          expect(Object.keys(conditions), subpath).toEqual(['types', 'default']);
          expect(conditions['types']).toMatch(/^\.\/dist\/.*\.d\.ts$/);
          expect(conditions['default']).toMatch(/^\.\/dist\/.*\.js$/);
        }
        for (const target of Object.values(pkg.bin ?? {})) expect(target).toMatch(/^\.\/dist\/.*\.js$/);
      });

      it('depends on exactly what its sources import', () => {
        const imported = [...importedPackages(join(dir, 'src'))].sort();
        expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(imported);
      });
    });
  }

  it('keeps the CLI runnable by plain node', () => {
    const main = readFileSync(join(root, 'packages', 'cli', 'src', 'main.ts'), 'utf8');
    expect(main.split('\n')[0]).toBe('#!/usr/bin/env node');
  });
});
