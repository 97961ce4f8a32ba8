/**
 * The abuse limits: every route that sends an email or checks a secret draws from one of these, per client address
 * (`ip`), per target email address (`address`) or per signed-in person (`actor`). A limit allows a burst of `count`
 * and refills evenly over `window` (a token bucket): `5/1h` is five at once, then one every twelve minutes.
 *
 * What a request spends is the limit's own rule: `successes` limits count what was done (an email sent, an account
 * or a draft made; a refused form costs nothing), `failures` limits count wrong guesses (a password or code that did
 * not match; signing in gives the attempt back).
 */
export const RATE_LIMIT_SUBJECTS = ['ip', 'address', 'actor'] as const;
export type RateLimitSubject = (typeof RATE_LIMIT_SUBJECTS)[number];

interface LimitDefinition {
  counts: 'successes' | 'failures';
  defaults: Partial<Record<RateLimitSubject, string>>;
  /** For the README and error messages. */
  what: string;
}

export const RATE_LIMIT_DEFINITIONS = {
  'sign-up': { counts: 'successes', defaults: { ip: '20/1h', address: '5/1h' }, what: 'sign-ups (each sends an email)' },
  'sign-in': {
    counts: 'failures',
    defaults: { ip: '50/1h', address: '5/1h' },
    what: 'wrong passwords, patients, staff and operators alike',
  },
  'second-factor': {
    counts: 'failures',
    defaults: { ip: '50/1h', actor: '5/15m' },
    what: 'wrong authenticator or recovery codes, at sign-in and when a physician signs an opinion',
  },
  'sign-in-link': { counts: 'successes', defaults: { ip: '20/1h', address: '5/1h' }, what: 'emailed sign-in links asked for' },
  'password-reset': { counts: 'successes', defaults: { ip: '20/1h', address: '5/1h' }, what: 'password reset links asked for' },
  invitation: {
    counts: 'successes',
    defaults: { actor: '50/1h', address: '5/1h' },
    what: 'staff invitations (admins, and the operator wizard)',
  },
  intake: {
    counts: 'successes',
    defaults: { ip: '60/1h', actor: '30/1h' },
    what: 'intake drafts started and review steps sent (a price update or the request itself)',
  },
  messages: { counts: 'successes', defaults: { actor: '60/1h' }, what: 'secure messages written, each emailing the other side' },
  'case-emails': {
    counts: 'successes',
    defaults: { actor: '300/1h' },
    what: 'staff steps that email someone: records asked for, state changes, assignments, contributors, declines',
  },
} as const satisfies Record<string, LimitDefinition>;

export type RateLimitName = keyof typeof RATE_LIMIT_DEFINITIONS;
export const RATE_LIMIT_NAMES = Object.keys(RATE_LIMIT_DEFINITIONS) as RateLimitName[];

export interface RateLimitRule {
  count: number;
  windowSeconds: number;
}

/** Each limit's rule per subject; a subject set to `off` is absent. */
export type RateLimitRules = Record<RateLimitName, Partial<Record<RateLimitSubject, RateLimitRule>>>;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const RULE = /^(\d+)\/(\d+)([smhd])$/;

function parseRule(text: string): RateLimitRule | null {
  const match = RULE.exec(text.trim());
  if (!match) return null;
  const count = Number(match[1]);
  const windowSeconds = Number(match[2]) * UNIT_SECONDS[match[3] as keyof typeof UNIT_SECONDS];
  return count >= 1 && windowSeconds >= 1 ? { count, windowSeconds } : null;
}

export function defaultRateLimits(): RateLimitRules {
  const rules = {} as RateLimitRules;
  for (const name of RATE_LIMIT_NAMES) {
    rules[name] = {};
    for (const [subject, text] of Object.entries(RATE_LIMIT_DEFINITIONS[name].defaults)) {
      rules[name][subject as RateLimitSubject] = parseRule(text)!;
    }
  }
  return rules;
}

/**
 * `RATE_LIMITS`: comma-separated overrides of the defaults, `<limit>.<subject>=<count>/<window>` or `=off`, where
 * window is a number with s, m, h or d, and `*` stands for every limit or every subject that limit has:
 * `sign-up.ip=100/1h,*.ip=off`. Later entries win. Returns the problems in words, naming the entry.
 */
export function parseRateLimits(text: string | undefined): { rules: RateLimitRules; problems: string[] } {
  const rules = defaultRateLimits();
  const problems: string[] = [];
  for (const entry of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [target, value] = entry.split('=').map((s) => s?.trim());
    const [name, subject] = (target ?? '').split('.');
    const names = name === '*' ? RATE_LIMIT_NAMES : RATE_LIMIT_NAMES.filter((n) => n === name);
    if (!value || !subject || !names.length) {
      problems.push(`"${entry}": expected <limit>.<subject>=<count>/<window> with a limit among ${RATE_LIMIT_NAMES.join(', ')} (or *)`);
      continue;
    }
    const rule = value === 'off' ? null : parseRule(value);
    if (rule === null && value !== 'off') {
      problems.push(`"${entry}": the rule must be like 5/1h (a count, then a window in s, m, h or d) or off`);
      continue;
    }
    let matched = false;
    for (const n of names) {
      const subjects = Object.keys(RATE_LIMIT_DEFINITIONS[n].defaults) as RateLimitSubject[];
      for (const s of subject === '*' ? subjects : subjects.filter((x) => x === subject)) {
        matched = true;
        if (rule) rules[n][s] = rule;
        else delete rules[n][s];
      }
    }
    if (!matched) {
      const known = names.length === 1 ? Object.keys(RATE_LIMIT_DEFINITIONS[names[0]].defaults).join(', ') : RATE_LIMIT_SUBJECTS.join(', ');
      problems.push(`"${entry}": ${name === '*' ? 'no limit' : `the limit ${name}`} is kept per ${known}, not per ${subject}`);
    }
  }
  return { rules, problems };
}
