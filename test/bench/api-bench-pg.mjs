// Starts an embedded Postgres for bench:api (pinned by the caller with taskset) and prints its URL.
// Usage: node api-bench-pg.mjs <data-dir>; stops on SIGTERM.
import process from 'node:process';
import { startEmbeddedPostgres } from '../../apps/api/dist/index.js';

const db = await startEmbeddedPostgres(process.argv[2]);
process.stdout.write(`url ${db.url}\n`);
process.on('SIGTERM', () => db.stop().then(() => process.exit(0)));
