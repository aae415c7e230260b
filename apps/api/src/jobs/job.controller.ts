import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import type {
  CancelJobRequest,
  CancelJobResponse,
  CreateJobRequest,
  CreateJobResponse,
  GetJobRequest,
  GetJobResponse,
  ListJobsRequest,
  ListJobsResponse,
  ListModelsResponse,
  PauseJobRequest,
  PauseJobResponse,
  ResumeJobRequest,
  ResumeJobResponse,
  UpdateJobRequest,
  UpdateJobResponse,
} from '@aepo/contracts';
import { CallerProject, CredentialKind, RequireCredential } from '../auth/credential.js';
import { checkOwnParent, ownJobId } from '../common/resource-name.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { inJobSpec, mergeTarget, parseJobUpdateMask } from './job-update.mask.js';
import { JobService } from './job.service.js';

const SERVICE = 'FineTuningService';

@Controller()
@RequireCredential(CredentialKind.API_KEY)
export class JobController {
  constructor(
    @Inject(JobService) private readonly jobs: JobService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @GrpcMethod(SERVICE, 'listModels')
  listModels(): ListModelsResponse {
    return {
      models: this.config.models.map((id) => ({
        id,
        description: id.startsWith('builtin:') ? 'built-in model for tests and demos' : 'Hugging Face model',
      })),
    };
  }

  @GrpcMethod(SERVICE, 'createJob')
  async createJob(
    @Payload() req: CreateJobRequest,
    @CallerProject() projectId: string,
  ): Promise<CreateJobResponse> {
    checkOwnParent(req.parent, 'parent', projectId);
    return { job: await this.jobs.create(projectId, req) };
  }

  @GrpcMethod(SERVICE, 'getJob')
  async getJob(@Payload() req: GetJobRequest, @CallerProject() projectId: string): Promise<GetJobResponse> {
    return { job: await this.jobs.get(projectId, ownJobId(req.name, 'name', projectId)) };
  }

  @GrpcMethod(SERVICE, 'listJobs')
  async listJobs(
    @Payload() req: ListJobsRequest,
    @CallerProject() projectId: string,
  ): Promise<ListJobsResponse> {
    checkOwnParent(req.parent, 'parent', projectId);
    return this.jobs.list(projectId, req.pageSize, req.pageToken, req.states, req.labels);
  }

  @GrpcMethod(SERVICE, 'cancelJob')
  async cancelJob(
    @Payload() req: CancelJobRequest,
    @CallerProject() projectId: string,
  ): Promise<CancelJobResponse> {
    return { job: await this.jobs.cancel(projectId, ownJobId(req.name, 'name', projectId)) };
  }

  @GrpcMethod(SERVICE, 'pauseJob')
  async pauseJob(
    @Payload() req: PauseJobRequest,
    @CallerProject() projectId: string,
  ): Promise<PauseJobResponse> {
    return { job: await this.jobs.pause(projectId, ownJobId(req.name, 'name', projectId)) };
  }

  @GrpcMethod(SERVICE, 'resumeJob')
  async resumeJob(
    @Payload() req: ResumeJobRequest,
    @CallerProject() projectId: string,
  ): Promise<ResumeJobResponse> {
    return { job: await this.jobs.resume(projectId, ownJobId(req.name, 'name', projectId)) };
  }

  /** AIP-134 update: the mask picks what changes; today that is the entropy target or its parts. */
  @GrpcMethod(SERVICE, 'updateJob')
  async updateJob(
    @Payload() req: UpdateJobRequest,
    @CallerProject() projectId: string,
  ): Promise<UpdateJobResponse> {
    const id = ownJobId(req.job?.name ?? '', 'job.name', projectId);
    const update = parseJobUpdateMask(req.updateMask);
    const current = update.whole ? undefined : (await this.jobs.get(projectId, id)).spec?.entropyTarget;
    const target = mergeTarget(update, current, req.job?.spec?.entropyTarget);
    try {
      return { job: await this.jobs.replaceEntropyTarget(projectId, id, target) };
    } catch (err) {
      throw inJobSpec(err);
    }
  }
}
