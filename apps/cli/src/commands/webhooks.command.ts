import { Command, InvalidArgumentError, Option } from 'commander';
import {
  CreateWebhookEndpointResponse,
  ListWebhookDeliveriesResponse,
  ListWebhookEndpointsResponse,
  RedeliverWebhookResponse,
  WebhookDeliveryState,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '@aepo/contracts';
import { allPages } from '../client/api-client.js';
import { webhookDeliveryArg, webhookEndpointArg } from '../client/name-args.js';
import { iso, json } from '../output/format.js';
import { renderFields, renderTable } from '../output/table.js';
import { intArg, print, withClient } from './command-context.js';

const DELIVERY_STATES = ['pending', 'delivered', 'failed'];

function eventArg(raw: string, previous: string[] = []): string[] {
  return [...previous, raw];
}

function deliveryStateArg(raw: string, previous: WebhookDeliveryState[] = []): WebhookDeliveryState[] {
  const s = raw.toLowerCase();
  if (!DELIVERY_STATES.includes(s))
    throw new InvalidArgumentError(`expected one of ${DELIVERY_STATES.join(', ')}`);
  return [...previous, `WEBHOOK_DELIVERY_STATE_${s.toUpperCase()}` as WebhookDeliveryState];
}

const shortDeliveryState = (s: WebhookDeliveryState) =>
  s.replace('WEBHOOK_DELIVERY_STATE_', '').toLowerCase();

function endpointTable(endpoints: WebhookEndpoint[]): string {
  return renderTable(
    ['name', 'url', 'events', 'enabled', 'description', 'created'],
    endpoints.map((e) => [
      e.name,
      e.url,
      e.eventTypes.join(','),
      e.enabled ? 'yes' : 'no',
      e.description,
      iso(e.createTime),
    ]),
  );
}

function deliveryTable(deliveries: WebhookDelivery[]): string {
  return renderTable(
    ['name', 'event', 'job', 'state', 'attempts', 'status', 'next attempt', 'delivered', 'last error'],
    deliveries.map((d) => [
      d.name,
      d.eventType,
      d.job,
      shortDeliveryState(d.state),
      d.attemptCount,
      d.lastStatusCode || '',
      iso(d.nextAttemptTime),
      iso(d.deliveredTime),
      d.lastError,
    ]),
  );
}

export function webhooksCommand(): Command {
  const cmd = new Command('webhooks')
    .alias('webhook')
    .description("the project's webhook endpoints (signed per Standard Webhooks) and their delivery log");

  cmd
    .command('create')
    .description('create an endpoint; prints its signing secret once')
    .requiredOption('--url <url>', 'http(s) URL the events are POSTed to')
    .requiredOption(
      '--event <type>',
      'event type to receive (repeatable): job.state_changed, job.checkpoint_saved, job.target_unreachable, job.evaluation_recorded',
      eventArg,
    )
    .option('--description <text>', 'free text')
    .option('--disabled', 'create it switched off')
    .option('--json', 'print the response as JSON')
    .action(
      async (
        o: { url: string; event: string[]; description?: string; disabled?: boolean; json?: boolean },
        self: Command,
      ) => {
        const res = await withClient(self, (client) =>
          client.callWebhooks(client.webhooks.createWebhookEndpoint, {
            url: o.url,
            eventTypes: o.event,
            description: o.description ?? '',
            disabled: !!o.disabled,
          }),
        );
        if (o.json) return print(json(CreateWebhookEndpointResponse.toJSON(res)));
        if (res.endpoint) print(endpointTable([res.endpoint]));
        print(renderFields([['secret (shown once, verify signatures with it)', res.secret]]));
      },
    );

  cmd
    .command('list')
    .alias('ls')
    .description('list the endpoints, newest first')
    .option('--json', 'print the response as JSON')
    .action(async (o: { json?: boolean }, self: Command) => {
      const endpoints = await withClient(self, (client) =>
        allPages(async (pageToken) => {
          const r = await client.callWebhooks(client.webhooks.listWebhookEndpoints, {
            pageSize: 1000,
            pageToken,
          });
          return { items: r.endpoints, nextPageToken: r.nextPageToken };
        }),
      );
      if (o.json) return print(json(ListWebhookEndpointsResponse.toJSON({ endpoints, nextPageToken: '' })));
      print(endpoints.length === 0 ? 'no webhook endpoints' : endpointTable(endpoints));
    });

  cmd
    .command('deliveries')
    .description('the delivery log, newest first: attempts, last status and error, next attempt')
    // Not `--endpoint`: that is the global API address.
    .option('--webhook-endpoint <endpoint>', 'only this endpoint (name or bare id)', webhookEndpointArg)
    // The 0.1 spelling, kept for scripts.
    .addOption(new Option('--endpoint-id <endpoint>').argParser(webhookEndpointArg).hideHelp())
    .option(
      '--state <state>',
      `only deliveries in this state (repeatable): ${DELIVERY_STATES.join(', ')}`,
      deliveryStateArg,
    )
    .option('--page-size <n>', 'deliveries per page (0: server default)', intArg(0, 1000), 0)
    .option('--page-token <token>', 'page to start from')
    .option('--json', 'print the response as JSON')
    .action(
      async (
        o: {
          webhookEndpoint?: string;
          endpointId?: string;
          state?: WebhookDeliveryState[];
          pageSize: number;
          pageToken?: string;
          json?: boolean;
        },
        self: Command,
      ) => {
        const res = await withClient(self, (client) =>
          client.callWebhooks(client.webhooks.listWebhookDeliveries, {
            parent: o.webhookEndpoint ?? o.endpointId ?? '',
            states: o.state ?? [],
            pageSize: o.pageSize,
            pageToken: o.pageToken ?? '',
          }),
        );
        if (o.json) return print(json(ListWebhookDeliveriesResponse.toJSON(res)));
        print(res.deliveries.length === 0 ? 'no deliveries' : deliveryTable(res.deliveries));
        if (res.nextPageToken) print(`more: --page-token ${res.nextPageToken}`);
      },
    );

  cmd
    .command('redeliver')
    .description(
      'send a delivery again now (same webhook-id and body; a failed one gets a fresh retry budget)',
    )
    .argument('<delivery>', 'delivery name or bare id (from `aepo webhooks deliveries`)', webhookDeliveryArg)
    .option('--json', 'print the response as JSON')
    .action(async (name: string, o: { json?: boolean }, self: Command) => {
      const res = await withClient(self, (client) =>
        client.callWebhooks(client.webhooks.redeliverWebhook, { name }),
      );
      if (o.json) return print(json(RedeliverWebhookResponse.toJSON(res)));
      if (res.delivery) print(`delivery ${res.delivery.name} (${res.delivery.webhookId}) queued again`);
    });

  cmd
    .command('delete')
    .alias('rm')
    .description('delete an endpoint and its delivery log')
    .argument(
      '<endpoint>',
      'endpoint name (projects/{project}/webhookEndpoints/{endpoint}) or bare id',
      webhookEndpointArg,
    )
    .action(async (name: string, _o: unknown, self: Command) => {
      await withClient(self, (client) =>
        client.callWebhooks(client.webhooks.deleteWebhookEndpoint, { name }),
      );
      print(`webhook endpoint ${name} deleted`);
    });

  return cmd;
}
