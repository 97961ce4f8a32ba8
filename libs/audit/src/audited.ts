import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@consilium/core';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { AuditLog } from './audit-log.service';

export const AUDITED = 'consilium:audited';

export interface AuditedRoute {
  action: string;
  entityType: string;
  /** Route parameter holding the entity id. */
  param?: string;
  /** Route parameter holding the patient's id, when the entity is not the patient itself. */
  subjectParam?: string;
}

/**
 * Marks a route that reads or changes health information. Each call leaves exactly one audit row: allowed when the
 * handler succeeds; denied when access is refused (by the access guard, which writes it) or the record is not found
 * or not the caller's.
 */
export const Audited = (route: AuditedRoute) => SetMetadata(AUDITED, route);

@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditLog,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    const route = this.reflector.get<AuditedRoute | undefined>(AUDITED, ctx.getHandler());
    if (!route) return next.handle();
    const params = ctx.switchToHttp().getRequest<{ params?: Record<string, string> }>().params ?? {};
    const entry = (outcome: 'allowed' | 'denied') => ({
      action: route.action,
      entityType: route.entityType,
      entityId: route.param ? params[route.param] : undefined,
      subjectId: route.subjectParam
        ? params[route.subjectParam]
        : route.entityType === 'patient' && route.param
          ? params[route.param]
          : undefined,
      outcome,
    });
    return next.handle().pipe(
      mergeMap((result) => from(this.audit.record(entry('allowed')).then(() => result))),
      catchError((error: unknown) => {
        const status = error instanceof DomainError ? error.status : error instanceof HttpException ? error.getStatus() : 500;
        // Refused (not signed in, not allowed, not found or not theirs) is "denied"; any other failure happened
        // after access was granted, so it counts as an allowed access that did not complete.
        const refused = status === 401 || status === 403 || status === 404;
        return from(this.audit.record(entry(refused ? 'denied' : 'allowed'))).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}
