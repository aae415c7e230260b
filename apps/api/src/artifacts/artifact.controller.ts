import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import type { GetArtifactDownloadUrlsRequest, GetArtifactDownloadUrlsResponse } from '@aepo/contracts';
import { CallerProject, CredentialKind, RequireCredential } from '../auth/credential.js';
import { ownJobId } from '../common/resource-name.js';
import { ArtifactService } from './artifact.service.js';

@Controller()
@RequireCredential(CredentialKind.API_KEY)
export class ArtifactController {
  constructor(@Inject(ArtifactService) private readonly artifacts: ArtifactService) {}

  @GrpcMethod('FineTuningService', 'getArtifactDownloadUrls')
  async getArtifactDownloadUrls(
    @Payload() req: GetArtifactDownloadUrlsRequest,
    @CallerProject() projectId: string,
  ): Promise<GetArtifactDownloadUrlsResponse> {
    return this.artifacts.downloadUrls(projectId, ownJobId(req.name, 'name', projectId), req);
  }
}
