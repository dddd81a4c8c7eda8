/** Test-only: what an engine answered, a result or the code of the typed error it threw. */
import { InterpreterError } from '@ea/interpreter';

/** Returns the run's result, or the InterpreterError code a caller's mistake gets. */
export function outcome(run: () => number): number | string {
  try {
    return run();
  } catch (error) {
    if (error instanceof InterpreterError) return error.code;
    throw error;
  }
}
