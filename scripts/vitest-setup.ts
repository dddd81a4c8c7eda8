/**
 * Property tests draw from a fixed seed in `pnpm test`, so CI answers the same on every run and
 * a red run is a regression, never the luck of the draw. `EA_FUZZ=1` explores instead: a fresh
 * seed each run (fast-check prints it with any counterexample), `EA_SEED=<n>` replays one.
 */
import fc from 'fast-check';

const replay = process.env['EA_SEED'];
if (replay !== undefined && replay !== '') fc.configureGlobal({ seed: Number(replay) });
else if (!process.env['EA_FUZZ']) fc.configureGlobal({ seed: 0x5ea });
