/**
 * Comments: astring prints a comment's text as it is, so a line break (or `*` `/`) in it would
 * turn the rest of the text into live code. lineComment() is the only maker of comment nodes.
 */
import type * as ES from 'estree';
import { CodegenError } from './scope.js';

/** Creates a `// text` comment, refusing text that could end the comment early. */
export function lineComment(text: string): ES.Comment {
  if (/[\n\r\u2028\u2029]/.test(text) || text.includes('*/')) {
    throw new CodegenError(`comment text would escape the comment: ${JSON.stringify(text)}`);
  }
  return { type: 'Line', value: text };
}

/** Attaches leading comments to a statement (astring prints `node.comments` when asked to). */
export function withComments<T extends ES.Statement>(node: T, comments: readonly ES.Comment[]): T {
  if (comments.length === 0) return node;
  const own = (node as { comments?: ES.Comment[] }).comments;
  return Object.assign(node, { comments: own === undefined ? comments.slice() : [...comments, ...own] });
}
