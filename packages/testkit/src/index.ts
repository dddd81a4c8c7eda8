/**
 * @ea/testkit (test-only, never published): what the packages' tests and the benchmarks share,
 * so that none of them imports another's files by relative path.
 */
export {
  COMMITTED_DIR, COMMITTED_LIBSECCOMP, POLICY_DESCRIPTIONS, committedPolicies, generatePolicies, policiesUnavailable,
  type GeneratedPolicies, type Policy, type PolicyName,
} from './libseccomp.js';
export { evaluateLibseccomp } from './evaluate.js';
export { type LibseccompFilter, type ProfileRules, libseccompProfileFilter, pythonSeccompUnavailable } from './libseccomp-profile.js';
export { runReadmeExample, type ReadmeRun } from './readme.js';
export { CBPF_CORPUS_DIR, CaseSyntaxError, EBPF_CORPUS_DIR, parseCase, type CaseProfile, type CbpfCase } from './corpus.js';
export { captureRun, type CliRun } from './capture.js';
export { Rng, rng, seedArb } from './rng.js';
export { type GeneratedProgram, generateProgram, randomInputs } from './ebpf-programs.js';
export { wildProgram } from './ebpf-wild.js';
export {
  ANC, ANC_PACKET, SECCOMP_POOL, acceptedProgram, build, callArb, frameArb, framesArb, loadPrefixes, packetArb, programArb, readout,
  type GenProfile,
} from './accepted-programs.js';
export {
  anyProgram, edgeProgram, longEdgeProgram, longProgram, mutatedEdgeProgram, mutatedProgram, smallEdgeProgram, smallProgram,
} from './edge-programs.js';
export { EDGES, type GenOptions, genEaInput, genPacket, genProgram, genSeccompInput } from './valid-programs.js';
export { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from './chromium.js';
export { BPF_C_DIR, clangUnavailable, compileBpfC, compileBpfProgram, ethernetFrame, seededFloats } from './bpf-c.js';
export { alu50, PACKET, packet as speedPacket, RET1 } from './ebpf-speed-programs.js';
export { heapGrowth } from './heap.js';
