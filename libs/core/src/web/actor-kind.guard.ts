import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/config';
import { ActorKind, RequestContext } from '../context/request-context';
import { NotFound } from '../errors/domain-error';

const ACTOR_KIND = 'consilium:actorKind';

/**
 * Fails closed should an app mount a lib without identity's access guard, or a policy slip let another kind of
 * account through: routes of the consoles answer 404 to anyone but hospital staff, and the operator's to anyone
 * but an operator on the operator host. `@Can(...)` still says which of them may.
 */
@Injectable()
export class ActorKindGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const kind = this.reflector.getAllAndOverride<ActorKind | undefined>(ACTOR_KIND, [ctx.getHandler(), ctx.getClass()]);
    if (!kind) return true;
    if (this.context.actor()?.kind !== kind) throw new NotFound();
    if (kind === 'operator' && this.context.host() !== this.config.operatorHost) throw new NotFound();
    return true;
  }
}

/** A hospital console's controller or route: staff only (others get 404). */
export const StaffOnly = () => applyDecorators(SetMetadata(ACTOR_KIND, 'staff'), UseGuards(ActorKindGuard));

/** The operator console's controller or route: operators on the operator host only (others get 404). */
export const OperatorOnly = () => applyDecorators(SetMetadata(ACTOR_KIND, 'operator'), UseGuards(ActorKindGuard));
