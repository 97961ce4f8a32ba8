import { applyDecorators, CallHandler, Controller, ExecutionContext, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { TenantSite } from '@consilium/tenancy';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Observable } from 'rxjs';

/** Answers of the API hold health information: no cache anywhere keeps them. */
@Injectable()
export class NoStore implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    ctx.switchToHttp().getResponse<FastifyReply>().header('cache-control', 'no-store');
    return next.handle();
  }
}

/** An /api/v1 controller: a hospital's host only, under a tag of the OpenAPI document, never cached. */
export function ApiController(path: string, tag: string) {
  return applyDecorators(Controller(path), TenantSite(), ApiTags(tag), UseInterceptors(NoStore));
}
