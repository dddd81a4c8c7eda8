/**
 * @ea/pcap: pcap/pcapng reading and writing, packed in-memory captures, a deterministic capture generator.
 *
 * @module @ea/pcap
 */
export * from './errors.js';
export * from './linktype.js';
export * from './capture.js';
export * from './pcap.js';
export * from './pcapng.js';
export * from './read.js';
export * from './write.js';
export * from './random.js';
export * from './generate.js';
export * from './expressions.js';
export * from './batch.js';
