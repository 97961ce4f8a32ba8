import { declareErrors } from '@consilium/core';

/** The cases lib's refusals: words at `cases.errors.<code>.message|hint`. */
export const CasesError = declareErrors('cases', {
  records_not_open: 409,
  case_move_not_allowed: 409,
  no_physician_can_take: 409,
});
