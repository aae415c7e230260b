import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
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
  UpdateEntropyTargetRequest,
  UpdateEntropyTargetResponse,
} from '@aepo/contracts';
import { AuthService } from '../auth/auth.service.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { JobService } from './job.service.js';

const SERVICE = 'FineTuningService';

@Controller()
export class JobController {
  constructor(
    @Inject(JobService) private readonly jobs: JobService,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @GrpcMethod(SERVICE, 'listModels')
  async listModels(_req: unknown, md: Metadata): Promise<ListModelsResponse> {
    await this.auth.project(md);
    return {
      models: this.config.models.map((id) => ({
        id,
        description: id.startsWith('builtin:') ? 'built-in model for tests and demos' : 'Hugging Face model',
      })),
    };
  }

  @GrpcMethod(SERVICE, 'createJob')
  async createJob(req: CreateJobRequest, md: Metadata): Promise<CreateJobResponse> {
    return { job: await this.jobs.create(await this.auth.project(md), req) };
  }

  @GrpcMethod(SERVICE, 'getJob')
  async getJob(req: GetJobRequest, md: Metadata): Promise<GetJobResponse> {
    return { job: await this.jobs.get(await this.auth.project(md), req.id) };
  }

  @GrpcMethod(SERVICE, 'listJobs')
  async listJobs(req: ListJobsRequest, md: Metadata): Promise<ListJobsResponse> {
    return this.jobs.list(await this.auth.project(md), req.pageSize, req.pageToken, req.states, req.labels);
  }

  @GrpcMethod(SERVICE, 'cancelJob')
  async cancelJob(req: CancelJobRequest, md: Metadata): Promise<CancelJobResponse> {
    return { job: await this.jobs.cancel(await this.auth.project(md), req.id) };
  }

  @GrpcMethod(SERVICE, 'pauseJob')
  async pauseJob(req: PauseJobRequest, md: Metadata): Promise<PauseJobResponse> {
    return { job: await this.jobs.pause(await this.auth.project(md), req.id) };
  }

  @GrpcMethod(SERVICE, 'resumeJob')
  async resumeJob(req: ResumeJobRequest, md: Metadata): Promise<ResumeJobResponse> {
    return { job: await this.jobs.resume(await this.auth.project(md), req.id) };
  }

  @GrpcMethod(SERVICE, 'updateEntropyTarget')
  async updateEntropyTarget(
    req: UpdateEntropyTargetRequest,
    md: Metadata,
  ): Promise<UpdateEntropyTargetResponse> {
    return {
      job: await this.jobs.updateEntropyTarget(await this.auth.project(md), req.id, req.entropyTarget),
    };
  }
}
