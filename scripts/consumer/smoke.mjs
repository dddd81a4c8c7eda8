// The consumer smoke test, run with plain `node` in a fresh project where the packed tarballs
// were installed with npm: every package imports by its published name, a seccomp filter is
// verified, compiled and run by both engines, and a packet filter counts a generated capture.
import { assemble, disassemble } from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { eaSyscall } from '@ea/layout';
import { captureBatch, generateCapture } from '@ea/pcap';
import { readdirSync } from 'node:fs';
import { decodeAction, writeSeccompData } from '@ea/seccomp';
import { verify } from '@ea/verifier';

const seccomp = verify(
  assemble(`
  ld [4]
  jne #0xc000003e, kill
  ld [0]
  jeq #39, allow
  jeq #257, deny, kill
allow:
  ret #0x7fff0000
deny:
  ret #0x5000d
kill:
  ret #0x80000000
`),
  { profile: 'seccomp' },
);
const filter = compile(seccomp);
const interpreter = prepare(seccomp);
const data = new DataView(new ArrayBuffer(64));
const verdicts = [39, 257, 59].map((nr) => {
  writeSeccompData(data, { nr, arch: 0xc000003e, instructionPointer: 0n, args: [0n, 0n, 0n, 0n, 0n, 0n] }, 'le');
  const jit = filter.run(data);
  if (jit !== interpreter.runSeccomp(data)) throw new Error(`engines disagree on nr ${nr}`);
  return decodeAction(jit).action;
});

// `ip` over Ethernet: ldh [12]; jeq #0x800.
const packet = verify(assemble('ldh [12]\njeq #0x800, yes, no\nyes: ret #262144\nno: ret #0'), { profile: 'socket' });
const capture = generateCapture({ count: 200, seed: 7 });
const matched = compile(packet).runBatch(captureBatch(capture));

// Every installed library package loads in plain node and exports something.
const loaded = {};
for (const name of readdirSync('node_modules/@ea').filter((n) => n !== 'cli')) {
  loaded[`@ea/${name}`] = Object.keys(await import(`@ea/${name}`)).length;
}

process.stdout.write(
  `${JSON.stringify({
    accelerated: filter.accelerated,
    verdicts,
    text: disassemble(seccomp.insns).split('\n').length,
    matched,
    packets: capture.count,
    clone3: eaSyscall('clone3').nr,
    loaded,
  })}\n`,
);
