/**
 * The libseccomp oracle: our filter and libseccomp's, from the same resolved profile, give the
 * same action on every syscall number of every architecture the profile covers (plus numbers past
 * the tables), with arguments at and around every constant; and ours is never longer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileProfile, type CompileOptions } from '@ea/profile';
import { describe, expect, it } from 'vitest';
import { compareWithLibseccomp } from './differential.js';
import { libseccompUnavailable } from './libseccomp.js';

const PROFILES = join(import.meta.dirname, 'profiles');
const skip = libseccompUnavailable();

const CASES: readonly (readonly [string, CompileOptions])[] = [
  ['oci-shapes.json', { arch: 'x86_64' }],
  ['oci-shapes.json', { arch: 'aarch64' }],
  ['oci-shapes.json', { arch: 'riscv64' }],
  ['docker-shapes.json', { arch: 'x86_64' }],
  ['docker-shapes.json', { arch: 'x86_64', caps: 'all', kernel: '4.4' }],
  ['docker-shapes.json', { arch: 'x86_64', caps: 'none', kernel: '7.1' }],
  ['docker-shapes.json', { arch: 'aarch64', caps: ['CAP_SYS_BOOT', 'CAP_SYS_ADMIN'] }],
  ['docker-shapes.json', { arch: 's390x' }],
  ['docker-shapes.json', { arch: 'ppc64le', caps: 'all' }],
  ['docker-shapes.json', { arch: 'riscv64' }],
  ['docker-shapes.json', { arch: 'i386' }],
  ['podman-shapes.json', { arch: 'x86_64' }],
  ['podman-shapes.json', { arch: 'aarch64', caps: 'all' }],
];

describe.skipIf(skip !== null)(`libseccomp oracle${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  for (const [file, options] of CASES) {
    it(`${file} on ${JSON.stringify(options)}: same actions, no longer`, () => {
      const compiled = compileProfile(readFileSync(join(PROFILES, file), 'utf8'), options);
      const r = compareWithLibseccomp(compiled);
      expect(r.differences.slice(0, 5)).toEqual([]);
      expect(r.cases).toBeGreaterThan(500);
      expect(r.allowed).toBeGreaterThan(10);
      expect(r.ours).toBeLessThanOrEqual(r.theirs);
    });
  }

  for (const [env, name] of [
    ['EA_DOCKER_PROFILE', 'Docker default'],
    ['EA_PODMAN_PROFILE', 'Podman default'],
  ] as const) {
    const path = process.env[env];
    for (const arch of ['x86_64', 'aarch64']) {
      it.skipIf(path === undefined)(`${name} (${env}) on ${arch}${path === undefined ? ` (skipped: set ${env} to the profile's path)` : ''}`, () => {
        const compiled = compileProfile(readFileSync(path!, 'utf8'), { arch });
        const r = compareWithLibseccomp(compiled);
        console.log(`${name} ${arch}: ours ${r.ours} insns, libseccomp ${r.theirs}, ${r.cases} cases, ${r.differences.length} differences, excepted ${r.excepted.join(' ')}, refused ${r.refused.join(' ')}`);
        expect(r.differences.slice(0, 5)).toEqual([]);
        expect(r.ours).toBeLessThanOrEqual(r.theirs);
      });
    }
  }
});
