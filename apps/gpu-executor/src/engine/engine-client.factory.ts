/** Builds the gRPC engine client the supervisor and the job runner share. */
import { EngineClient } from './engine-client.js';
import type { ExecutorEngine } from './engine.port.js';

export type ClosableEngine = ExecutorEngine & { close(): void };

export async function connectEngine(address: string): Promise<ClosableEngine> {
  return EngineClient.connect(address);
}
