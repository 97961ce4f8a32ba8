import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConsiliumStore, RequestContext, ViewRenderer } from '@consilium/core';
import { ClsService } from 'nestjs-cls';
import path from 'node:path';
import { CsrfTokens } from './csrf';
import { may } from './permissions';

/** Puts the CSRF token and who is signed in (kind and permissions, never PHI) into every page. */
@Injectable()
export class IdentityLayout implements OnModuleInit {
  constructor(
    private readonly views: ViewRenderer,
    private readonly cls: ClsService<ConsiliumStore>,
    private readonly context: RequestContext,
    private readonly csrf: CsrfTokens,
  ) {}

  onModuleInit(): void {
    this.views.registerViews('identity', path.join(__dirname, 'views'));
    this.views.addLayoutData(() => {
      const seed = this.cls.isActive() ? this.cls.get('csrfSeed') : undefined;
      const actor = this.context.actor();
      return {
        csrfToken: seed ? this.csrf.tokenFor(seed) : undefined,
        signedIn: !!actor && actor.kind !== 'api_key' && actor.kind !== 'directory',
        actorKind: actor?.kind,
        can: actor
          ? {
              staff: may(actor, 'staff.manage'),
              audit: may(actor, 'audit.read'),
              apiKeys: may(actor, 'apikeys.manage'),
              webhooks: may(actor, 'webhooks.manage'),
              sso: may(actor, 'sso.manage'),
              console: may(actor, 'console.access'),
              cases: may(actor, 'cases.read'),
              reviews: may(actor, 'cases.review'),
              translations: may(actor, 'opinions.translate'),
              quality: may(actor, 'opinions.check'),
              qualitySettings: may(actor, 'opinions.configure'),
              catalog: may(actor, 'catalog.edit'),
              site: may(actor, 'site.edit'),
              roster: may(actor, 'roster.edit'),
              analytics: may(actor, 'analytics.operational'),
            }
          : {},
      };
    });
  }
}
