import { describeError } from './common/describe-error.js';
import { ConfigError } from './config/api-config.js';
import { startApiServer } from './server/api-server.js';

/** `node apps/api/dist/main.js`: runs the API until SIGTERM/SIGINT, then drains and exits. */
async function main(): Promise<void> {
  let api;
  try {
    api = await startApiServer();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aepo-api: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const stop = (signal: string) => {
    process.stderr.write(`aepo-api: ${signal} received, draining\n`);
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`aepo-api: shutdown failed: ${describeError(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`aepo-api: failed to start: ${describeError(err)}\n`);
  process.exit(1);
});
