/**
 * Instruction counts of our filter against libseccomp's for the same resolved rules: every
 * resolution of the test profiles the libseccomp oracle runs, and the public Docker and Podman
 * defaults on x86_64 and aarch64 when EA_DOCKER_PROFILE / EA_PODMAN_PROFILE name them (not
 * committed). Prints a Markdown table. Needs python3-seccomp.
 *
 *   EA_DOCKER_PROFILE=default.json EA_PODMAN_PROFILE=seccomp.json npx tsx packages/profile/bench/counts.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CompileOptions, compileProfile } from '../src/index.js';
import { libseccompFilter } from '../test/libseccomp.js';

const PROFILES = join(import.meta.dirname, '..', 'test', 'profiles');
const cases: [string, string, CompileOptions][] = [
  ['oci-shapes.json', join(PROFILES, 'oci-shapes.json'), { arch: 'x86_64' }],
  ['oci-shapes.json', join(PROFILES, 'oci-shapes.json'), { arch: 'aarch64' }],
  ['oci-shapes.json', join(PROFILES, 'oci-shapes.json'), { arch: 'riscv64' }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 'x86_64' }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 'x86_64', caps: 'all', kernel: '4.4' }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 'x86_64', caps: 'none', kernel: '7.1' }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 'aarch64', caps: ['CAP_SYS_BOOT', 'CAP_SYS_ADMIN'] }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 's390x' }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 'ppc64le', caps: 'all' }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 'riscv64' }],
  ['docker-shapes.json', join(PROFILES, 'docker-shapes.json'), { arch: 'i386' }],
  ['podman-shapes.json', join(PROFILES, 'podman-shapes.json'), { arch: 'x86_64' }],
  ['podman-shapes.json', join(PROFILES, 'podman-shapes.json'), { arch: 'aarch64', caps: 'all' }],
];
for (const [env, name] of [['EA_DOCKER_PROFILE', 'Docker default'], ['EA_PODMAN_PROFILE', 'Podman default']] as const) {
  const path = process.env[env];
  if (path !== undefined) for (const arch of ['x86_64', 'aarch64']) cases.push([name, path, { arch }]);
}

console.log('| profile | options | ours | libseccomp |\n|---|---|---:|---:|');
for (const [name, path, options] of cases) {
  const compiled = compileProfile(readFileSync(path, 'utf8'), options);
  const lib = libseccompFilter(compiled.resolved);
  const { arch, ...rest } = options;
  const extra = Object.keys(rest).length === 0 ? '' : ` ${JSON.stringify(rest)}`;
  console.log(`| ${name} | ${arch}${extra} | ${compiled.insns.length} | ${lib.insns.length} |`);
}
