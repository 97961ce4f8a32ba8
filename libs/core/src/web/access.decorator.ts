import { SetMetadata } from '@nestjs/common';

export const REQUIRED_ACTION = 'consilium:action';

/**
 * Declares the action a route performs (`audit.read`, `staff.manage`); identity's policy table says which roles may
 * perform it. Every route carries either this or `@Public()`: the route inventory test fails otherwise.
 */
export const Can = (action: string) => SetMetadata(REQUIRED_ACTION, action);
