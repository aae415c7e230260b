import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type {
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  CreateProjectRequest,
  CreateProjectResponse,
  ListProjectsRequest,
  ListProjectsResponse,
  RevokeApiKeyRequest,
  RevokeApiKeyResponse,
} from '@aepo/contracts';
import { CredentialKind, RequireCredential } from '../auth/credential.js';
import { AdminService } from './admin.service.js';

const SERVICE = 'AdminService';

@Controller()
@RequireCredential(CredentialKind.ADMIN)
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @GrpcMethod(SERVICE, 'createProject')
  async createProject(req: CreateProjectRequest): Promise<CreateProjectResponse> {
    return { project: await this.admin.createProject(req.displayName) };
  }

  @GrpcMethod(SERVICE, 'listProjects')
  async listProjects(req: ListProjectsRequest): Promise<ListProjectsResponse> {
    return this.admin.listProjects(req.pageSize, req.pageToken);
  }

  @GrpcMethod(SERVICE, 'createApiKey')
  async createApiKey(req: CreateApiKeyRequest): Promise<CreateApiKeyResponse> {
    return this.admin.createApiKey(req.parent, req.displayName);
  }

  @GrpcMethod(SERVICE, 'revokeApiKey')
  async revokeApiKey(req: RevokeApiKeyRequest): Promise<RevokeApiKeyResponse> {
    return { apiKey: await this.admin.revokeApiKey(req.name) };
  }
}
