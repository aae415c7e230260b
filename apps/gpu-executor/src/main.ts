/**
 * Process entry of the executor (node apps/gpu-executor/dist/main.js). Settings from AEPO_EXECUTOR_*
 * (see docs/operations.md). SIGTERM / SIGINT: the running job is checkpointed and its lease released
 * (the step in flight gets AEPO_EXECUTOR_SHUTDOWN_GRACE_MS), then the process exits 0.
 */
import { ExecutorConfigError, loadExecutorConfig, startExecutor } from './index.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadExecutorConfig(process.env);
  } catch (e) {
    if (e instanceof ExecutorConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const executor = await startExecutor(config);
  let exiting = false;
  const shutdown = (why: string, exitCode = 0) => {
    if (exiting) return;
    exiting = true;
    // The hand-back may wait on the grace period plus a checkpoint; past that, exit regardless.
    const hard = setTimeout(() => {
      console.error(`executor: shutdown (${why}) took too long; exiting`);
      process.exit(1);
    }, config.shutdownGraceMs + 600_000);
    hard.unref();
    executor
      .close()
      .then(() => process.exit(exitCode))
      .catch((e: unknown) => {
        console.error(e);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  void executor.failed.then((err) => {
    console.error(`executor: ${err.message}`);
    shutdown('engine unavailable', 1);
  });
  void executor.finished.then(() => shutdown('idle'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
