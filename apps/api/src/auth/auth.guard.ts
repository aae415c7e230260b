import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthService } from './auth.service.js';
import { CREDENTIAL_KIND, CredentialKind, callMetadata, rememberCallerProject } from './credential.js';

/**
 * The one place calls are authenticated: every gRPC handler declares the credential it takes
 * (RequireCredential on its controller or itself); the guard checks the bearer token against that
 * kind and, for API keys, remembers the caller's project for the CallerProject parameter.
 * Failures throw UNAUTHENTICATED ApiErrors, which the exception filter maps like any other error.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride<CredentialKind | undefined>(CREDENTIAL_KIND, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (kind === undefined)
      throw new Error(`${context.getClass().name}.${context.getHandler().name} declares no credential kind`);
    const metadata = callMetadata(context);
    switch (kind) {
      case CredentialKind.API_KEY:
        rememberCallerProject(metadata, await this.auth.project(metadata));
        return true;
      case CredentialKind.ADMIN:
        this.auth.admin(metadata);
        return true;
      case CredentialKind.EXECUTOR:
        this.auth.executor(metadata);
        return true;
      default: {
        const unreachable: never = kind;
        throw new Error(`unknown credential kind ${String(unreachable)}`);
      }
    }
  }
}
