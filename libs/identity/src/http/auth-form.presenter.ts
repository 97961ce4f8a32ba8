import { Injectable } from '@nestjs/common';
import type { FormPresenter, RefusedForm } from '@consilium/core';
import { safeNext } from './redirects';

/** Sign-in and sign-up forms shown again: the same-site `next` the person came with, never another site's. */
@Injectable()
export class AuthFormPresenter implements FormPresenter {
  refused({ values, params }: RefusedForm): Record<string, unknown> {
    return { next: safeNext(values.next, ''), token: params.token };
  }
}
