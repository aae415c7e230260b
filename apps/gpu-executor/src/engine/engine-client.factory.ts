/**
 * Builds the gRPC engine client. engine-client.ts (the engine contract's client) is loaded lazily so
 * this app builds against the ExecutorEngine port alone.
 */
import type { ExecutorEngine } from './engine.port.js';

export type ClosableEngine = ExecutorEngine & { close(): void };

export async function connectEngine(address: string): Promise<ClosableEngine> {
  const mod = (await import('./engine-client.js' as string)) as {
    EngineClient: { connect(address: string): ClosableEngine };
  };
  return mod.EngineClient.connect(address);
}
