import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'consilium:public';

/** Marks a route that anyone may call (health, public pages). Every other route must declare who may call it. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
