/**
 * What generated code may reach besides its own names: the DataView accessors and the context's
 * fields by name, and by index only runBatch's typed arrays (by its loop counter `i`, checked
 * long enough before the loop) and the dispatch tables (by A, below their length). The builders
 * come from @ea/codegen; this module is the JIT's policy for them.
 */
import { indexBuilder, memberBuilder } from '@ea/codegen';

/** Creates `object.name` for the DataView accessors and PacketContext fields generated code reads. */
export const member = memberBuilder(['getUint8', 'getUint16', 'getUint32', 'byteLength', 'data', 'wireLength', 'offset', 'length']);

/** Typed arrays runBatch may index (by its loop counter only): checked by its caller to be typed. */
const INDEXED = new Set(['offsets', 'lengths', 'wires', 'out']);
/** Dispatch tables (Uint8Arrays or Uint16Arrays we made; `t<filter>_<n>` in a chain), indexed by A below their length. */
export const TABLE_NAME = /^(?:[tuwc]|t[0-9]+_)[0-9]+$/;

/** Creates `array[index]`: one of runBatch's typed arrays by `i`, or a dispatch table by `A`. */
export const computed = indexBuilder((array, index) => (INDEXED.has(array) && index === 'i') || (TABLE_NAME.test(array) && index === 'A'));
