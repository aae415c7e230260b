import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import type { GetArtifactDownloadUrlsRequest, GetArtifactDownloadUrlsResponse } from '@aepo/contracts';
import { AuthService } from '../auth/auth.service.js';
import { ArtifactService } from './artifact.service.js';

@Controller()
export class ArtifactController {
  constructor(
    @Inject(ArtifactService) private readonly artifacts: ArtifactService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  @GrpcMethod('FineTuningService', 'getArtifactDownloadUrls')
  async getArtifactDownloadUrls(
    req: GetArtifactDownloadUrlsRequest,
    md: Metadata,
  ): Promise<GetArtifactDownloadUrlsResponse> {
    return this.artifacts.downloadUrls(await this.auth.project(md), req);
  }
}
