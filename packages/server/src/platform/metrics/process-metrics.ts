import type { Registry } from 'prom-client';
import { promClient } from './prom-client.js';

let processRegistry: Registry | undefined;

/**
 * prom-client's default Node metrics (CPU, memory, heap, event-loop lag, GC, handles), in a
 * registry of their own shared by every Metrics in the process: they describe the process, not
 * one server, and each collectDefaultMetrics call installs a GC observer and an event-loop
 * delay monitor that are never removed, so tests building many servers must not make one each.
 * Made on first use, so a server without metrics installs neither. prom-client 15 reads them on
 * scrape; no timer runs (the delay monitor's is libuv's, unreferenced).
 */
export function processMetrics(): Registry {
  if (processRegistry === undefined) {
    const { collectDefaultMetrics, Registry } = promClient();
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
