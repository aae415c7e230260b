import { Inject, Injectable } from '@nestjs/common';
import { formatResourceName, projectName, WILDCARD_ID, type ApiKey, type Project } from '@aepo/contracts';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error.js';
import { decodePageToken, encodePageToken, pageSize, TIME_ID_CURSOR } from '../common/page-token.js';
import { parseNameField } from '../common/resource-name.js';
import { checkDisplayName, UUID_RE, Violations } from '../common/violations.js';
import type { ApiKeyEntity, ProjectEntity } from '../database/entities/index.js';
import { ApiKeyRepository } from '../auth/api-key.repository.js';
import { AuthService, hashSecret, newSecret } from '../auth/auth.service.js';

const toProject = (p: ProjectEntity): Project => ({
  name: projectName(p.id),
  displayName: p.displayName,
  createTime: p.createTime,
});
const toKey = (k: ApiKeyEntity): ApiKey => ({
  name: formatResourceName('apiKey', k.projectId, k.id),
  displayName: k.displayName,
  prefix: k.prefix,
  createTime: k.createTime,
  revokeTime: k.revokeTime ?? undefined,
});

@Injectable()
export class AdminService {
  constructor(
    @Inject(ApiKeyRepository) private readonly keys: ApiKeyRepository,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  async createProject(displayName: string): Promise<Project> {
    const v = new Violations();
    checkDisplayName(v, 'display_name', displayName, true);
    if (!v.empty) throw ApiError.invalid(v.list);
    return toProject(await this.keys.createProject(randomUUID(), displayName));
  }

  async listProjects(size: number, token: string): Promise<{ projects: Project[]; nextPageToken: string }> {
    const limit = pageSize(size, 100);
    const after = decodePageToken(token, 'projects', TIME_ID_CURSOR) as [string, string] | undefined;
    const rows = await this.keys.listProjects(after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      projects: page.map(toProject),
      nextPageToken:
        rows.length > limit && last
          ? encodePageToken([last.createTime.toISOString(), last.id], 'projects')
          : '',
    };
  }

  /** A key for project `parent` (`projects/{project}`; the admin has no project of its own, so no `-`). */
  async createApiKey(parent: string, displayName: string): Promise<{ apiKey: ApiKey; secret: string }> {
    const v = new Violations();
    checkDisplayName(v, 'display_name', displayName);
    if (!v.empty) throw ApiError.invalid(v.list);
    const [projectId] = parseNameField('project', parent, 'parent') as [string];
    if (projectId === WILDCARD_ID) {
      throw ApiError.invalid([
        { field: 'parent', description: 'must name a project: `-` is not accepted here' },
      ]);
    }
    if (!UUID_RE.test(projectId) || !(await this.keys.projectExists(projectId))) {
      throw ApiError.notFound('project', parent);
    }
    const secret = newSecret();
    const key = await this.keys.createKey({
      id: randomUUID(),
      projectId,
      displayName,
      prefix: secret.slice(0, 12),
      keyHash: hashSecret(secret),
    });
    return { apiKey: toKey(key), secret };
  }

  /** Revokes the key `name` (`projects/{project}/apiKeys/{key}`; `projects/-/...`: whatever its project). */
  async revokeApiKey(name: string): Promise<ApiKey> {
    const [project, id] = parseNameField('apiKey', name, 'name') as [string, string];
    const projectId = project === WILDCARD_ID ? null : project;
    const wellFormed = UUID_RE.test(id) && (projectId === null || UUID_RE.test(projectId));
    const key = wellFormed ? await this.keys.revokeKey(id, projectId) : null;
    if (!key) throw ApiError.notFound('API key', name);
    this.auth.forget();
    return toKey(key);
  }
}
