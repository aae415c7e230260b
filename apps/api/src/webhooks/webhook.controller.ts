import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
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
import { CallerProject, CredentialKind, RequireCredential } from '../auth/credential.js';
import { WebhookService } from './webhook.service.js';

const SERVICE = 'WebhookService';

/** aepo.v1.WebhookService: every call is scoped to the project of the caller's API key. */
@Controller()
@RequireCredential(CredentialKind.API_KEY)
export class WebhookController {
  constructor(@Inject(WebhookService) private readonly webhooks: WebhookService) {}

  @GrpcMethod(SERVICE, 'createWebhookEndpoint')
  async create(
    @Payload() req: CreateWebhookEndpointRequest,
    @CallerProject() projectId: string,
  ): Promise<CreateWebhookEndpointResponse> {
    return this.webhooks.create(projectId, req);
  }

  @GrpcMethod(SERVICE, 'getWebhookEndpoint')
  async get(
    @Payload() req: GetWebhookEndpointRequest,
    @CallerProject() projectId: string,
  ): Promise<GetWebhookEndpointResponse> {
    return { endpoint: await this.webhooks.get(projectId, req.id) };
  }

  @GrpcMethod(SERVICE, 'listWebhookEndpoints')
  async list(
    @Payload() req: ListWebhookEndpointsRequest,
    @CallerProject() projectId: string,
  ): Promise<ListWebhookEndpointsResponse> {
    return this.webhooks.list(projectId, req.pageSize, req.pageToken);
  }

  @GrpcMethod(SERVICE, 'updateWebhookEndpoint')
  async update(
    @Payload() req: UpdateWebhookEndpointRequest,
    @CallerProject() projectId: string,
  ): Promise<UpdateWebhookEndpointResponse> {
    return { endpoint: await this.webhooks.update(projectId, req) };
  }

  @GrpcMethod(SERVICE, 'deleteWebhookEndpoint')
  async delete(
    @Payload() req: DeleteWebhookEndpointRequest,
    @CallerProject() projectId: string,
  ): Promise<DeleteWebhookEndpointResponse> {
    await this.webhooks.delete(projectId, req.id);
    return {};
  }

  @GrpcMethod(SERVICE, 'listWebhookDeliveries')
  async deliveries(
    @Payload() req: ListWebhookDeliveriesRequest,
    @CallerProject() projectId: string,
  ): Promise<ListWebhookDeliveriesResponse> {
    return this.webhooks.deliveries(projectId, req);
  }

  @GrpcMethod(SERVICE, 'redeliverWebhook')
  async redeliver(
    @Payload() req: RedeliverWebhookRequest,
    @CallerProject() projectId: string,
  ): Promise<RedeliverWebhookResponse> {
    return { delivery: await this.webhooks.redeliver(projectId, req.deliveryId) };
  }
}
