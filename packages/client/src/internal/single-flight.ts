/**
 * Wraps `task` so that calls made while one run is in flight share that run's promise instead of
 * starting another: N concurrent refreshes cost one request. A settled run is forgotten, so a
 * failure is retried by the next call rather than remembered.
 */
export function singleFlight<T>(task: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return function joinOrStart() {
    inFlight ??= task().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
