/**
 * One log line per interval for a recurring condition, so an outage is reported once per burst
 * and not once per failed request or connection (a flood would bury everything else in the log).
 *
 * The returned function says whether to log now: `undefined` means stay quiet; a number means
 * log, and is how many occurrences were kept quiet since the last line.
 */
export function logThrottle(intervalMs: number, now: () => number = Date.now): () => number | undefined {
  let lastLine = Number.NEGATIVE_INFINITY;
  let quiet = 0;
  return function shouldLog() {
    const at = now();
    if (at - lastLine < intervalMs) {
      quiet += 1;
      return undefined;
    }
    const suppressed = quiet;
    lastLine = at;
    quiet = 0;
    return suppressed;
  };
}
