/**
 * @ea/interpreter: the kernel-exact classic BPF interpreter, the reference engine and the CSP fallback.
 *
 * @module @ea/interpreter
 */
export { badPacket, batchCount, type PacketBatch, type PacketIndex } from './batch.js';
export { BatchContexts, batchContext, moveContext, runBatchWith } from './batch-context.js';
export { defaultRandom, packetContext, type Endian, type EngineOptions, type PacketContext, type StepHook } from './context.js';
export { decode, decodeOp, type DecodedProgram } from './decode.js';
export { InterpreterError, type InterpreterErrorCode } from './errors.js';
export { loadImageIndirect, loadImageWord, tailZero } from './image.js';
export { checkImage, checkPacket, describe, imageSize } from './input.js';
export { interpret, Interpreter, prepare } from './interpreter.js';
export { DEFAULT_BUDGET } from './libpcap.js';
export { loadPacket, negativeOffset, nlattr, nlattrNest, packetLength } from './packet.js';
