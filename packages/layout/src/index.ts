/**
 * @ea/layout: EA struct descriptions, the kernel catalog, copy_struct_from_user and flattening.
 *
 * @module @ea/layout
 */
export * from './errors.js';
export * from './types.js';
export * from './structs.js';
export * as structs from './structs.js';
export * from './catalog.js';
export * from './memory.js';
export * from './copy.js';
export * from './plan.js';
export * from './flatten.js';
export * from './pahole.js';
export * from './cdecl.js';
export * from './postcopy.js';
export * from './imagemap.js';
export * from './demo.js';
export * from './render.js';
