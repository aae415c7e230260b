import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
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
import { AuthService } from '../auth/auth.service.js';
import { AdminService } from './admin.service.js';

const SERVICE = 'AdminService';

@Controller()
export class AdminController {
  constructor(
    @Inject(AdminService) private readonly admin: AdminService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  @GrpcMethod(SERVICE, 'createProject')
  async createProject(req: CreateProjectRequest, md: Metadata): Promise<CreateProjectResponse> {
    this.auth.admin(md);
    return { project: await this.admin.createProject(req.displayName) };
  }

  @GrpcMethod(SERVICE, 'listProjects')
  async listProjects(req: ListProjectsRequest, md: Metadata): Promise<ListProjectsResponse> {
    this.auth.admin(md);
    return this.admin.listProjects(req.pageSize, req.pageToken);
  }

  @GrpcMethod(SERVICE, 'createApiKey')
  async createApiKey(req: CreateApiKeyRequest, md: Metadata): Promise<CreateApiKeyResponse> {
    this.auth.admin(md);
    return this.admin.createApiKey(req.projectId, req.displayName);
  }

  @GrpcMethod(SERVICE, 'revokeApiKey')
  async revokeApiKey(req: RevokeApiKeyRequest, md: Metadata): Promise<RevokeApiKeyResponse> {
    this.auth.admin(md);
    return { apiKey: await this.admin.revokeApiKey(req.apiKeyId) };
  }
}
