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
import { WILDCARD_ID } from '@aepo/contracts';
import { CallerProject, CredentialKind, RequireCredential } from '../auth/credential.js';
import { ownEndpointId, resolveOwnName } from '../common/resource-name.js';
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
    return { endpoint: await this.webhooks.get(projectId, ownEndpointId(req.name, 'name', projectId)) };
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
    await this.webhooks.delete(projectId, ownEndpointId(req.name, 'name', projectId));
    return {};
  }

  @GrpcMethod(SERVICE, 'listWebhookDeliveries')
  async deliveries(
    @Payload() req: ListWebhookDeliveriesRequest,
    @CallerProject() projectId: string,
  ): Promise<ListWebhookDeliveriesResponse> {
    // Empty, or the `-` endpoint: the deliveries of every endpoint of the project.
    const [endpoint] =
      req.parent === '' ? [WILDCARD_ID] : resolveOwnName('webhookEndpoint', req.parent, 'parent', projectId);
    return this.webhooks.deliveries(projectId, endpoint === WILDCARD_ID ? '' : endpoint!, req);
  }

  @GrpcMethod(SERVICE, 'redeliverWebhook')
  async redeliver(
    @Payload() req: RedeliverWebhookRequest,
    @CallerProject() projectId: string,
  ): Promise<RedeliverWebhookResponse> {
    const [endpoint, delivery] = resolveOwnName('webhookDelivery', req.name, 'name', projectId) as [
      string,
      string,
    ];
    return {
      delivery: await this.webhooks.redeliver(
        projectId,
        delivery,
        endpoint === WILDCARD_ID ? null : endpoint,
      ),
    };
  }
}
