/**
 * The one error a capture reader throws: what is wrong and the byte offset in the
 * file where it was found, so corrupt or hostile captures never crash a caller.
 */
import type { Capture } from './capture.js';

/** Names what is wrong with a capture. */
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

/**
 * Signals a corrupt, truncated or unsupported capture, naming the byte offset. When the damage
 * comes after the file header, `partial` holds the packets read before it (tcpdump counts
 * those, then reports the error and exits 1); it is null when nothing could be read.
 */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    readonly offset: number,
    readonly partial: Capture | null = null,
  ) {
    super(`byte ${offset}: ${message}`);
    this.detail = message;
  }

  /** What is wrong, without the `byte <offset>:` prefix. */
  readonly detail: string;

  /** Returns the same error carrying the packets read before the damage. */
  withPartial(partial: Capture): CaptureError {
    return new CaptureError(this.code, this.detail, this.offset, partial);
  }
}
