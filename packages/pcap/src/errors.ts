/**
 * The one error a capture reader throws: what is wrong and the byte offset in the
 * file where it was found, so corrupt or hostile captures never crash a caller.
 */

export type CaptureErrorCode =
  | 'TOO_SHORT'
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'TRUNCATED'
  | 'BAD_LENGTH'
  | 'BAD_BLOCK'
  | 'UNKNOWN_LINK_TYPE'
  | 'UNKNOWN_INTERFACE'
  | 'TOO_LARGE';

/** Signals a corrupt, truncated or unsupported capture, naming the byte offset. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(`byte ${offset}: ${message}`);
  }
}
