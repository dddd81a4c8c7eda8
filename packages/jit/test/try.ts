import { readFileSync } from 'node:fs';
import { readProgram } from '@ea/bpf';
import { verify } from '@ea/verifier';
import { factorySource } from '@ea/jit';
const f = process.argv[2] as string;
const { insns } = readProgram(readFileSync(f), {});
console.log(insns.length, 'insns');
console.log(factorySource(verify(insns, { profile: 'seccomp' })).source);
