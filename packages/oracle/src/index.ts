/** @ea/oracle: the running kernel as a test oracle (test-only, private). */
export * from './build.js';
export * from './chain.js';
export * from './run.js';
export * from './verdict.js';
export * from './copy.js';
export * from './libpcap.js';
export * from './ebpf.js';
export * from './verify-ebpf.js';
