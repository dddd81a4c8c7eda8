/**
 * One entry point for captures: detects pcap or pcapng from the first bytes.
 */
import type { Capture } from './capture.js';
import { CaptureError } from './errors.js';
import { isPcap, readPcap } from './pcap.js';
import { isPcapng, readPcapng } from './pcapng.js';

/** Reads a pcap or pcapng capture; throws only CaptureError for bad input. */
export function readCapture(bytes: Uint8Array): Capture {
  if (isPcapng(bytes)) return readPcapng(bytes);
  if (isPcap(bytes)) return readPcap(bytes);
  throw new CaptureError(
    bytes.length < 4 ? 'TOO_SHORT' : 'BAD_MAGIC',
    'not a pcap or pcapng capture (unknown magic number)',
    0,
  );
}
