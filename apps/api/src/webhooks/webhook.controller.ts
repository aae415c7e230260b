import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import type {
  CreateWebhookEndpointRequest,
  CreateWebhookEndpointResponse,
  DeleteWebhookEndpointRequest,
  DeleteWebhookEndpointResponse,
  GetWebhookEndpointRequest,
  GetWebhookEndpointResponse,
  ListWebhookDeliveriesRequest,
  ListWebhookDeliveriesResponse,
  ListWebhookEndpointsRequest,
  ListWebhookEndpointsResponse,
  RedeliverWebhookRequest,
  RedeliverWebhookResponse,
  UpdateWebhookEndpointRequest,
  UpdateWebhookEndpointResponse,
} from '@aepo/contracts';
import { AuthService } from '../auth/auth.service.js';
import { WebhookService } from './webhook.service.js';

const SERVICE = 'WebhookService';

/** aepo.v1.WebhookService: every call is scoped to the project of the caller's API key. */
@Controller()
export class WebhookController {
  constructor(
    @Inject(WebhookService) private readonly webhooks: WebhookService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  @GrpcMethod(SERVICE, 'createWebhookEndpoint')
  async create(req: CreateWebhookEndpointRequest, md: Metadata): Promise<CreateWebhookEndpointResponse> {
    return this.webhooks.create(await this.auth.project(md), req);
  }

  @GrpcMethod(SERVICE, 'getWebhookEndpoint')
  async get(req: GetWebhookEndpointRequest, md: Metadata): Promise<GetWebhookEndpointResponse> {
    return { endpoint: await this.webhooks.get(await this.auth.project(md), req.id) };
  }

  @GrpcMethod(SERVICE, 'listWebhookEndpoints')
  async list(req: ListWebhookEndpointsRequest, md: Metadata): Promise<ListWebhookEndpointsResponse> {
    return this.webhooks.list(await this.auth.project(md), req.pageSize, req.pageToken);
  }

  @GrpcMethod(SERVICE, 'updateWebhookEndpoint')
  async update(req: UpdateWebhookEndpointRequest, md: Metadata): Promise<UpdateWebhookEndpointResponse> {
    return { endpoint: await this.webhooks.update(await this.auth.project(md), req) };
  }

  @GrpcMethod(SERVICE, 'deleteWebhookEndpoint')
  async delete(req: DeleteWebhookEndpointRequest, md: Metadata): Promise<DeleteWebhookEndpointResponse> {
    await this.webhooks.delete(await this.auth.project(md), req.id);
    return {};
  }

  @GrpcMethod(SERVICE, 'listWebhookDeliveries')
  async deliveries(req: ListWebhookDeliveriesRequest, md: Metadata): Promise<ListWebhookDeliveriesResponse> {
    return this.webhooks.deliveries(await this.auth.project(md), req);
  }

  @GrpcMethod(SERVICE, 'redeliverWebhook')
  async redeliver(req: RedeliverWebhookRequest, md: Metadata): Promise<RedeliverWebhookResponse> {
    return { delivery: await this.webhooks.redeliver(await this.auth.project(md), req.deliveryId) };
  }
}
