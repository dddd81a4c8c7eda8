/**
 * SLOT: the EA workload (flatten + filter for clone3 and openat2 calls), to be
 * filled in once @ea/layout and the EA profile have landed. Until then the
 * results say so instead of leaving the row out silently.
 */

/** Returns a one-line status of the EA workload for RESULTS.md. */
export async function eaWorkload(): Promise<string> {
  return 'not measured yet: waiting for @ea/layout (flatten) and the ea profile in the engines';
}
