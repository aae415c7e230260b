import { Command, InvalidArgumentError } from 'commander';
import {
  CancelJobResponse,
  CreateJobResponse,
  GetJobResponse,
  JobState,
  ListJobsResponse,
  PauseJobResponse,
  ResumeJobResponse,
  UpdateJobRequest,
  UpdateJobResponse,
  type Job,
} from '@aepo/contracts';
import { allPages } from '../client/api-client.js';
import { jobArg } from '../client/name-args.js';
import { CliError, ExitCode } from '../output/cli-error.js';
import { age, fixed, iso, json, labels, shortAlgorithm, shortState } from '../output/format.js';
import { renderFields, renderTable } from '../output/table.js';
import { watchJob } from '../watch/job-watch.js';
import { intArg, labelArg, numberArg, print, usage, withClient } from './command-context.js';
import { finishWait, waitForTerminal } from './job-wait.js';
import { addTargetOptions, targetFromFlags } from './entropy-target.options.js';
import { addJobSpecOptions, specFromFlags, type JobSpecFlags } from './job-spec.options.js';

/** Help text of every `<job>` argument. */
const JOB_ARG = 'job name (projects/{project}/jobs/{job}) or bare job id';

const STATES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

function stateArg(raw: string, previous: JobState[] = []): JobState[] {
  const s = raw.toLowerCase();
  if (!STATES.includes(s)) throw new InvalidArgumentError(`expected one of ${STATES.join(', ')}`);
  return [...previous, `JOB_STATE_${s.toUpperCase()}` as JobState];
}

export function jobsCommand(): Command {
  const cmd = new Command('jobs').alias('job').description('create, control and watch fine-tuning jobs');

  addJobSpecOptions(
    cmd
      .command('create')
      .description('create a job (unset knobs take the server defaults)')
      .option('--name <name>', 'display name')
      .option('--request-id <id>', 'idempotency key: a retry returns the job of the first call'),
  )
    .option('--watch', 'follow the job after creating it')
    .option('--json', 'print the response as JSON')
    .action(
      async (
        o: JobSpecFlags & { name?: string; requestId?: string; watch?: boolean; json?: boolean },
        self: Command,
      ) => {
        const spec = specFromFlags(o);
        const job = await withClient(self, async (client) => {
          const res = await client.call(client.ft.createJob, {
            parent: '',
            spec,
            displayName: o.name ?? '',
            requestId: o.requestId ?? '',
          });
          if (o.json) print(json(CreateJobResponse.toJSON(res)));
          else if (res.job) print(jobTable([res.job]));
          if (o.watch && res.job) return watchJob(client, res.job.name, watchOutput(!!o.json));
          return res.job;
        });
        if (o.watch) exitForFinalState(job);
      },
    );

  cmd
    .command('list')
    .alias('ls')
    .description('list the project’s jobs, newest first')
    .option('--state <state>', `only jobs in this state (repeatable): ${STATES.join(', ')}`, stateArg)
    .option('--label <key=value>', 'only jobs with this label (repeatable)', labelArg)
    .option('--page-size <n>', 'jobs per page (0: server default)', intArg(0, 1000), 0)
    .option('--page-token <token>', 'page to start from')
    .option('--all', 'follow every page')
    .option('--json', 'print the response as JSON')
    .action(
      async (
        o: {
          state?: JobState[];
          label?: Record<string, string>;
          pageSize: number;
          pageToken?: string;
          all?: boolean;
          json?: boolean;
        },
        self: Command,
      ) => {
        const res = await withClient(self, async (client) => {
          const page = (pageToken: string) =>
            client.call(client.ft.listJobs, {
              parent: '',
              pageSize: o.pageSize,
              pageToken,
              states: o.state ?? [],
              labels: o.label ?? {},
            });
          if (!o.all) return page(o.pageToken ?? '');
          const jobs = await allPages(async (t) => {
            const r = await page(t);
            return { items: r.jobs, nextPageToken: r.nextPageToken };
          });
          return { jobs, nextPageToken: '' };
        });
        if (o.json) return print(json(ListJobsResponse.toJSON(res)));
        print(res.jobs.length === 0 ? 'no jobs' : jobTable(res.jobs));
        if (res.nextPageToken) print(`more: --page-token ${res.nextPageToken}`);
      },
    );

  cmd
    .command('get')
    .description('show one job')
    .argument('<job>', JOB_ARG, jobArg)
    .option('--json', 'print the response as JSON')
    .action(async (name: string, o: { json?: boolean }, self: Command) => {
      const res = await withClient(self, (client) => client.call(client.ft.getJob, { name }));
      if (o.json) return print(json(GetJobResponse.toJSON(res)));
      if (res.job) print(jobDetails(res.job));
    });

  const control = (verb: 'cancel' | 'pause' | 'resume', description: string) =>
    cmd
      .command(verb)
      .description(description)
      .argument('<job>', JOB_ARG, jobArg)
      .option('--json', 'print the response as JSON')
      .action(async (job: string, o: { json?: boolean }, self: Command) => {
        const res = await withClient(self, (client) =>
          verb === 'cancel'
            ? client.call(client.ft.cancelJob, { name: job })
            : verb === 'pause'
              ? client.call(client.ft.pauseJob, { name: job })
              : client.call(client.ft.resumeJob, { name: job }),
        );
        const codec =
          verb === 'cancel' ? CancelJobResponse : verb === 'pause' ? PauseJobResponse : ResumeJobResponse;
        if (o.json) return print(json(codec.toJSON(res)));
        if (res.job) print(`job ${res.job.name} ${stateWithFlags(res.job)}`);
      });
  control('cancel', 'cancel a job (a running job stops at its next step)');
  control('pause', 'pause a job (a running job checkpoints and releases its executor)');
  control('resume', 'queue a paused job again, or withdraw a pending pause');

  addTargetOptions(
    cmd
      .command('set-target')
      .description('replace the entropy target (constant or schedule) of a queued, running or paused job')
      .argument('<job>', JOB_ARG, jobArg),
  )
    .option('--json', 'print the response as JSON')
    .action(
      async (
        name: string,
        o: Pick<JobSpecFlags, 'target' | 'schedule' | 'tolerance' | 'estimator'> & { json?: boolean },
        self: Command,
      ) => {
        if (o.target === undefined && o.schedule === undefined) throw usage('give --target or --schedule');
        const entropyTarget = targetFromFlags(o);
        // The whole target is replaced (UpdateJob's mask `spec.entropy_target`), as the flags give it.
        const req = UpdateJobRequest.fromPartial({
          job: { name, spec: { entropyTarget } },
          updateMask: ['spec.entropy_target'],
        });
        const res = await withClient(self, (client) => client.call(client.ft.updateJob, req));
        if (o.json) return print(json(UpdateJobResponse.toJSON(res)));
        if (res.job)
          print(
            `job ${res.job.name} target ${targetText(res.job)} (revision ${res.job.entropyTargetRevision})`,
          );
      },
    );

  cmd
    .command('watch')
    .description('follow a job live: progress, entropy against its band, temperature, reward, accuracy')
    .argument('<job>', JOB_ARG, jobArg)
    .option('--after-step <n>', 'only steps after this one', intArg(0), 0)
    .option('--plain', 'plain lines even on a terminal')
    .option('--json', 'NDJSON: {"record":…} per step, then {"job":…}')
    .action(
      async (name: string, o: { afterStep: number; plain?: boolean; json?: boolean }, self: Command) => {
        const job = await withClient(self, (client) =>
          watchJob(client, name, { ...watchOutput(!!o.json, !!o.plain), afterStep: o.afterStep }),
        );
        exitForFinalState(job);
      },
    );

  cmd
    .command('wait')
    .description(
      'wait quietly until a job is terminal; exit 0 SUCCEEDED, 3 FAILED, 4 CANCELLED, 5 timed out (for pipeline steps)',
    )
    .argument('<job>', JOB_ARG, jobArg)
    .option('--max-wait <seconds>', 'give up after this many seconds (default: no limit)', numberArg)
    .option('--interval <seconds>', 'longest pause between two status reads', numberArg, 10)
    .option('--json', 'print the final job as JSON')
    .action(
      async (name: string, o: { maxWait?: number; interval: number; json?: boolean }, self: Command) => {
        if (o.interval <= 0) throw usage('--interval must be > 0');
        if (o.maxWait !== undefined && o.maxWait <= 0) throw usage('--max-wait must be > 0');
        const job = await withClient(self, (client) =>
          waitForTerminal(client, name, {
            intervalMs: o.interval * 1000,
            timeoutMs: o.maxWait === undefined ? undefined : o.maxWait * 1000,
          }),
        );
        const { line, exitCode } = finishWait(job);
        print(o.json ? json(GetJobResponse.toJSON({ job })) : line);
        process.exitCode = exitCode;
      },
    );

  return cmd;
}

function watchOutput(asJson: boolean, plain = false) {
  return { out: process.stdout, tty: !asJson && !plain && process.stdout.isTTY === true, json: asJson };
}

/** `watch` exits 0 only when the job SUCCEEDED, so scripts can chain on it. */
function exitForFinalState(job: Job | undefined): void {
  if (job && job.state !== JobState.JOB_STATE_SUCCEEDED)
    throw new CliError(`job ${job.name} ended ${shortState(job.state)}`, ExitCode.JOB_NOT_SUCCEEDED);
}

function stateWithFlags(job: Job): string {
  const flags = [job.cancelRequested && 'cancel requested', job.pauseRequested && 'pause requested'].filter(
    Boolean,
  );
  return shortState(job.state) + (flags.length ? ` (${flags.join(', ')})` : '');
}

export function targetText(job: Job): string {
  const t = job.spec?.entropyTarget;
  if (!t) return '-';
  const tol = t.tolerance !== undefined ? ` ±${t.tolerance}` : '';
  if (t.constant !== undefined) return `${t.constant}${tol}`;
  const s = t.schedule;
  if (!s) return '-';
  const kind = s.kind.replace(/^SCHEDULE_KIND_/, '').toLowerCase();
  if (kind === 'piecewise') return `piecewise ${s.points.map((p) => `${p.step}=${p.value}`).join(',')}${tol}`;
  return `${kind} ${s.startValue}→${s.endValue} (steps ${s.startStep}..${s.endStep})${tol}`;
}

function jobTable(jobs: Job[]): string {
  return renderTable(
    ['name', 'display_name', 'state', 'algorithm', 'model', 'step', 'entropy', 'target', 'age'],
    jobs.map((j) => [
      j.name,
      j.displayName,
      stateWithFlags(j),
      shortAlgorithm(j.spec?.algorithm ?? ''),
      j.spec?.baseModel ?? '',
      `${j.currentStep}/${j.spec?.optimization?.maxSteps ?? '?'}`,
      fixed(j.latestStep?.entropy, 3),
      targetText(j),
      age(j.createTime),
    ]),
  );
}

function jobDetails(j: Job): string {
  const s = j.spec;
  const r = j.latestStep;
  return renderFields([
    ['name', j.name],
    ['display name', j.displayName],
    ['state', stateWithFlags(j)],
    ['error', j.error?.message ? `${j.error.code}: ${j.error.message}` : ''],
    ['algorithm', shortAlgorithm(s?.algorithm ?? '')],
    ['model', s?.baseModel],
    ['dataset', s?.trainingDataset],
    ['validation', s?.validationDataset],
    ['target', targetText(j)],
    ['target rev', j.entropyTargetRevision],
    ['step', `${j.currentStep}/${s?.optimization?.maxSteps ?? '?'}`],
    [
      'rollout',
      s?.rollout
        ? `${s.rollout.promptsPerStep} prompts × ${s.rollout.samplesPerPrompt} samples, ≤${s.rollout.maxTokens} tokens`
        : '',
    ],
    ['lr', s?.optimization?.learningRate],
    ['seed', s?.optimization?.seed],
    ['attempt', j.attempt],
    [
      'entropy',
      r
        ? `${fixed(r.entropy, 4)} (band ${fixed(r.entropyTargetLower, 3)}..${fixed(r.entropyTargetUpper, 3)})`
        : '',
    ],
    ['reward', r ? fixed(r.rewardMean, 3) : ''],
    ['accuracy', r ? fixed(r.accuracy, 3) : ''],
    ['temperature', r ? fixed(r.temperature, 2) : ''],
    ['best ckpt', j.bestCheckpoint],
    ['created', iso(j.createTime)],
    ['started', iso(j.startTime)],
    ['ended', iso(j.endTime)],
    ['labels', labels(s?.labels)],
  ]);
}
