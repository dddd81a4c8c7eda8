/**
 * The numbers the closing note of issue 13 quotes, for the public Docker and Podman default
 * profiles (paths in EA_DOCKER_PROFILE / EA_PODMAN_PROFILE; not committed): per arch, our
 * instruction count against libseccomp's for the same resolved rules, the number of differences
 * found by the oracle (test/differential.ts), compile time (median of 9), and the JIT's ns/call on
 * @ea/seccomp's syscall mix (100,000 calls, median of 21 passes after 10 warm-up passes) for our
 * filter and for libseccomp's. Needs python3-seccomp.
 *
 *   EA_DOCKER_PROFILE=default.json EA_PODMAN_PROFILE=seccomp.json npx tsx packages/profile/bench/defaults.ts
 */
import { readFileSync } from 'node:fs';
import { compile } from '@ea/jit';
import { ARCHES, syscallMix, writeMixCall } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import { compileProfile } from '../src/index.js';
import { compareWithLibseccomp } from '../test/differential.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

function nsPerCall(run: (v: DataView) => number, arch: string): number {
  const mix = syscallMix({ arch, count: 100_000, seed: 1 });
  const views = Array.from({ length: mix.count }, (_, i) => {
    const v = new DataView(new ArrayBuffer(64));
    writeMixCall(v, mix, i);
    return v;
  });
  let sink = 0;
  const pass = (): number => {
    const t0 = process.hrtime.bigint();
    for (const v of views) sink ^= run(v);
    return Number(process.hrtime.bigint() - t0) / views.length;
  };
  for (let i = 0; i < 10; i++) pass();
  const ns = median(Array.from({ length: 21 }, pass));
  if (sink === 0x12345678) console.log('');
  return ns;
}

for (const [env, name] of [
  ['EA_DOCKER_PROFILE', 'Docker'],
  ['EA_PODMAN_PROFILE', 'Podman'],
] as const) {
  const path = process.env[env];
  if (path === undefined) {
    console.log(`${name}: set ${env} to the profile's path`);
    continue;
  }
  const text = readFileSync(path, 'utf8');
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const times = Array.from({ length: 9 }, () => {
      const t0 = performance.now();
      compileProfile(text, { arch, kernel: '6.18' });
      return performance.now() - t0;
    });
    const compiled = compileProfile(text, { arch, kernel: '6.18' });
    const r = compareWithLibseccomp(compiled);
    const endian = ARCHES[arch].endian;
    const ours = compile(compiled.program, { endian });
    const theirs = compile(verify(r.libInsns, { profile: 'seccomp' }), { endian });
    console.log(
      `${name} ${arch} (${compiled.resolved.arches.join('+')}): ours ${r.ours} insns, libseccomp ${r.theirs}; ` +
        `${r.cases} cases, ${r.differences.length} differences (excepted: ${r.excepted.join(' ') || 'none'}); ` +
        `compile ${median(times).toFixed(1)} ms; JIT ${nsPerCall(ours.run, arch).toFixed(1)} ns/call ours, ` +
        `${nsPerCall(theirs.run, arch).toFixed(1)} ns/call libseccomp's`,
    );
  }
}
