import { Command } from 'commander';
import { Algorithm, JobSpec, JobState, type Job } from '@aepo/contracts';
import { ApiClient } from '../client/api-client.js';
import { CliError, ExitCode } from '../output/cli-error.js';
import { duration, fixed } from '../output/format.js';
import type { LocalStack } from '../stack/local-stack.js';
import { loadLocalStack, onShutdownSignal, superviseInOwnProcessGroup } from '../stack/supervise.js';
import { watchJob } from '../watch/job-watch.js';
import { tinyArithRows, toJsonl } from '../demo/tiny-arith-dataset.js';
import { writeEntropyChart } from './chart.command.js';
import { uploadJsonl } from './datasets.command.js';
import { intArg, numberArg } from './command-context.js';
import { addStackOptions, describeStack, stackOptions, type StackFlags } from './serve.command.js';

interface DemoFlags extends StackFlags {
  compare?: boolean;
  steps: number;
  target: number;
  tolerance: number;
  rows: number;
  promptsPerStep: number;
  samplesPerPrompt: number;
  lr: number;
  out: string;
  keepRunning?: boolean;
  plain?: boolean;
}

/**
 * The demo's job: AEPO on builtin:tiny-arith at a small budget (a few minutes on 2 CPU cores). The
 * AEPO knobs, learning rate and batch are the ones that held targets on tiny-arith in the entropy
 * experiment (docs/results); the default target sits inside that task's reachable range (about
 * 0.33-0.49 nats/token), where GRPO on the same budget falls below it.
 */
export function demoSpec(o: DemoFlags, dataset: string, algorithm: Algorithm): JobSpec {
  return JobSpec.fromPartial({
    baseModel: 'builtin:tiny-arith',
    trainingDataset: dataset,
    algorithm,
    entropyTarget: { constant: o.target, tolerance: o.tolerance },
    aepo: { tHigh: 1.5, tLow: 0.6, resampleFraction: 0.25, reinforceFraction: 0.1 },
    rollout: { promptsPerStep: o.promptsPerStep, samplesPerPrompt: o.samplesPerPrompt, maxTokens: 8 },
    optimization: { learningRate: o.lr, maxSteps: o.steps, seed: 1, miniBatchPrompts: o.promptsPerStep },
    checkpoint: { everyNSteps: Math.max(1, Math.ceil(o.steps / 2)), keepLast: 1 },
    labels: { demo: 'true', algorithm: algorithm === Algorithm.ALGORITHM_GRPO ? 'grpo' : 'aepo' },
  });
}

export function demoCommand(): Command {
  return addStackOptions(
    new Command('demo').description(
      'one-command demo: local service, a generated tiny-arith dataset, an AEPO job held at a target entropy, a chart',
    ),
    { dataDir: '.data/demo', executors: 0 },
  )
    .option('--compare', 'also train a GRPO job on the same budget (its entropy is free to collapse)')
    .option('--steps <n>', 'training steps per job', intArg(1, 100_000), 500)
    .option('--target <nats>', 'entropy target H* (nats/token)', numberArg, 0.4)
    .option('--tolerance <nats>', 'half-width of the target band', numberArg, 0.04)
    .option('--rows <n>', 'rows of the generated dataset', intArg(1, 1_000_000), 512)
    .option('--prompts-per-step <n>', 'prompts per step', intArg(1, 4096), 32)
    .option('--samples-per-prompt <n>', 'samples per prompt', intArg(2, 256), 8)
    .option('--lr <rate>', 'learning rate', numberArg, 3e-4)
    .option(
      '-o, --out <path>',
      'chart path without extension (writes .svg and .png)',
      '.data/demo/entropy-vs-target',
    )
    .option(
      '--keep-running',
      'keep the service up after the demo until Ctrl-C (default when stdin is a terminal)',
    )
    .option('--no-keep-running', 'stop the service when the demo is done')
    .option('--plain', 'plain progress lines even on a terminal')
    .action(async (o: DemoFlags) => {
      const supervised = superviseInOwnProcessGroup();
      if (supervised) {
        process.exitCode = await supervised;
        return;
      }
      await runDemo(o);
    });
}

async function runDemo(o: DemoFlags): Promise<void> {
  const started = Date.now();
  const say = (s: string) => process.stdout.write(s + '\n');
  const executors = o.executors > 0 ? o.executors : o.compare ? 2 : 1;
  const abort = new AbortController();
  let stack: LocalStack | undefined;
  let interrupted = false;
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stack ? stack.close() : Promise.resolve());
  const off = onShutdownSignal(async (signal) => {
    interrupted = true;
    say(`\n${signal}: stopping the demo (executors hand their jobs back, then the API and Postgres stop)…`);
    abort.abort();
    await stop();
    say('stopped');
    process.exit(130);
  });

  let client: ApiClient | undefined;
  let engineFailure: Error | undefined;
  try {
    say(
      `[demo] starting ${process.env['DATABASE_URL'] ? 'the API on DATABASE_URL' : 'embedded Postgres, the API'} and ${executors} executor(s) with the CPU engine…`,
    );
    const { startLocalStack } = await loadLocalStack();
    stack = await startLocalStack({ ...stackOptions({ ...o, executors }, 'error') });
    say(`[demo] service up in ${duration((Date.now() - started) / 1000)}`);
    // An executor that cannot start its engine would leave the job queued forever: end the demo.
    void stack.failed.then((err) => {
      engineFailure = err;
      abort.abort();
    });
    for (const line of describeStack(stack, o)) say(line);

    const admin = new ApiClient({ endpoint: stack.grpcAddress, adminToken: stack.adminToken });
    const { project } = await admin.callAdmin(admin.admin.createProject, {
      displayName: `demo ${new Date().toISOString()}`,
    });
    const { secret } = await admin.callAdmin(admin.admin.createApiKey, {
      parent: project!.name,
      displayName: 'demo',
    });
    admin.close();
    client = new ApiClient({ endpoint: stack.grpcAddress, apiKey: secret });
    say(`[demo] project ${project!.name} and an API key created`);

    const uploaded = await uploadJsonl(client, toJsonl(tinyArithRows(o.rows, 1)), {
      displayName: 'tiny-arith (generated)',
      labels: { demo: 'true' },
      requestId: '',
    });
    const dataset = uploaded.dataset!.name;
    say(`[demo] uploaded dataset ${dataset}: ${uploaded.dataset!.rowCount} rows like "37+48=" -> "85"`);

    const jobs: Job[] = [];
    for (const [name, algorithm] of [
      ['demo AEPO', Algorithm.ALGORITHM_AEPO],
      ...(o.compare ? [['demo GRPO', Algorithm.ALGORITHM_GRPO] as const] : []),
    ] as const) {
      const res = await client.call(client.ft.createJob, {
        parent: '',
        spec: demoSpec(o, dataset, algorithm),
        displayName: name,
        requestId: '',
      });
      jobs.push(res.job!);
      say(
        `[demo] submitted ${name} job ${res.job!.name}: ${o.steps} steps, target entropy ${o.target} ± ${o.tolerance}`,
      );
    }

    const tty = !o.plain && process.stdout.isTTY === true;
    const finals: Job[] = [];
    for (const job of jobs) {
      say(`\n[demo] watching ${job.displayName} (${job.name})`);
      const final = await watchJob(client, job.name, {
        out: process.stdout,
        tty,
        json: false,
        signal: abort.signal,
      });
      if (final) finals.push(final);
    }
    if (interrupted) return;
    if (engineFailure) throw new CliError(engineFailure.message, ExitCode.INTERNAL);

    const chart = await writeEntropyChart(
      client,
      jobs.map((j) => j.name),
      o.out,
      `Entropy vs target (H* = ${o.target} ± ${o.tolerance}), builtin:tiny-arith`,
    );
    const aepoJob = jobs[0]!.name;
    const inBand = (records: (typeof chart.series)[number]['records']) =>
      records.filter((r) => r.entropy >= r.entropyTargetLower && r.entropy <= r.entropyTargetUpper).length;
    say('');
    say(`[demo] done in ${duration((Date.now() - started) / 1000)}`);
    for (const s of chart.series) {
      const last = s.records.at(-1);
      say(
        `  ${s.label}: ${s.records.length} steps, final entropy ${fixed(last?.entropy, 3)}, ` +
          `in band ${inBand(s.records)}/${s.records.length} steps, final accuracy ${fixed(last?.accuracy, 3)}`,
      );
    }
    say(`  chart             ${chart.svg}`);
    say(`                    ${chart.png}`);
    for (const line of describeStack(stack, o)) say(line);
    say(`  API key           ${secret}`);
    say('');
    say('try it (grpcurl uses the server’s reflection):');
    say(
      `  grpcurl -plaintext -H 'authorization: Bearer ${secret}' -d '{"parent": "${aepoJob}", "page_size": 5}' ` +
        `${stack.grpcAddress} aepo.v1.FineTuningService/ListStepRecords`,
    );
    say(`  AEPO_ENDPOINT=${stack.grpcAddress} AEPO_API_KEY=${secret} npm run aepo -- metrics ${aepoJob}`);
    const failed = finals.filter((j) => j.state !== JobState.JOB_STATE_SUCCEEDED);

    const keep = o.keepRunning ?? process.stdin.isTTY === true;
    if (keep && !interrupted) {
      say('\nthe service keeps running for the calls above; Ctrl-C stops everything.');
      client.close();
      client = undefined;
      // The signal handler stops and exits; an engine that dies for good ends the demo here.
      throw new CliError((await stack.failed).message, ExitCode.INTERNAL);
    }
    if (failed.length > 0)
      throw new CliError(
        `demo job(s) ${failed.map((j) => `${j.name} ${j.state}`).join(', ')} did not succeed`,
        ExitCode.JOB_NOT_SUCCEEDED,
      );
  } finally {
    client?.close();
    if (!interrupted) {
      await stop();
      off();
    }
  }
}
