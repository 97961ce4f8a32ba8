/**
 * Not a failure: the thing lives at another address for good (an alias domain of a hospital answers with its
 * primary domain). Thrown from guards, which cannot reply themselves; the exception filter answers 301.
 */
export class PermanentRedirect extends Error {
  override name = 'PermanentRedirect';
  constructor(readonly location: string) {
    super(`moved to ${location}`);
  }
}
