import { ConfigError } from '../config/config';
import { BootLog, describeBootFailure } from './boot-log';

const env = {
  DATABASE_URL: 'postgres://consilium_app:secret-app@db.internal:5432/consilium',
  DATABASE_OWNER_URL: 'postgres://consilium_owner:secret-owner@db.internal:5432/consilium',
  DATABASE_OPERATOR_URL: 'postgres://consilium_operator:secret-op@replica.internal:6432/consilium',
};

const netError = (code: string, fields: Record<string, unknown>) => Object.assign(new Error(`connect ${code}`), { code, ...fields });

describe('describeBootFailure', () => {
  it('names the address and the variable(s) holding it when PostgreSQL refuses the connection', () => {
    const failure = describeBootFailure(netError('ECONNREFUSED', { address: 'db.internal', port: 5432 }), env);
    expect(failure.msg).toBe('cannot reach PostgreSQL');
    expect(failure.problems).toEqual([
      'PostgreSQL at db.internal:5432 refused the connection (nothing listens there): check DATABASE_URL / DATABASE_OWNER_URL, and that the server is running and reachable from here',
    ]);
    expect(failure.stack).toBeUndefined();
    expect(describeBootFailure(netError('ECONNREFUSED', { address: 'replica.internal', port: 6432 }), env).problems[0]).toContain(
      'check DATABASE_OPERATOR_URL,',
    );
  });

  it('reads the first address of a connection attempt that tried several (IPv6 and IPv4 of localhost)', () => {
    const error = Object.assign(
      new AggregateError([
        netError('ECONNREFUSED', { address: '::1', port: 5432 }),
        netError('ECONNREFUSED', { address: '127.0.0.1', port: 5432 }),
      ]),
      {
        code: 'ECONNREFUSED',
      },
    );
    const problem = describeBootFailure(error, { DATABASE_URL: 'postgres://consilium_app:x@localhost:5432/consilium' }).problems[0];
    expect(problem).toContain('PostgreSQL at ::1:5432 refused the connection');
    expect(problem).toContain('check DATABASE_URL');
  });

  it('explains a name that does not resolve, a timeout, a refused role, a missing database, a wrapped driver error', () => {
    expect(describeBootFailure(netError('ENOTFOUND', { hostname: 'db.internal' }), env).problems[0]).toBe(
      'the database host db.internal could not be resolved (DNS): check DATABASE_URL / DATABASE_OWNER_URL',
    );
    expect(describeBootFailure(new Error('timeout exceeded when trying to connect'), env).problems[0]).toMatch(
      /^PostgreSQL did not accept a connection within 5 s: check DATABASE_URL/,
    );
    const auth = Object.assign(new Error('password authentication failed for user "consilium_owner"'), { code: '28P01' });
    expect(describeBootFailure(auth, env).problems[0]).toBe(
      'PostgreSQL refused the role "consilium_owner" (wrong password): check DATABASE_OWNER_URL',
    );
    const missing = Object.assign(new Error('database "consilium" does not exist'), { code: '3D000' });
    expect(describeBootFailure(missing, env).problems[0]).toMatch(
      /^the database "consilium" does not exist: check DATABASE_URL \/ DATABASE_OWNER_URL \/ DATABASE_OPERATOR_URL, or create it/,
    );
    const wrapped = Object.assign(new Error('query failed'), {
      driverError: netError('ECONNREFUSED', { address: 'db.internal', port: 5432 }),
    });
    expect(describeBootFailure(wrapped, env).msg).toBe('cannot reach PostgreSQL');
  });

  it('never repeats a password from a URL', () => {
    const all = [
      netError('ECONNREFUSED', { address: 'db.internal', port: 5432 }),
      netError('ENOTFOUND', { hostname: 'db.internal' }),
      Object.assign(new Error('password authentication failed for user "consilium_app"'), { code: '28P01' }),
    ].map((e) => JSON.stringify(describeBootFailure(e, env)));
    for (const text of all) expect(text).not.toMatch(/secret-/);
  });

  it('keeps a configuration error as its list of problems, and a stack only for the unforeseen', () => {
    expect(describeBootFailure(new ConfigError(['PORT: must be a port number', 'APP_SECRET: must be set']), env)).toEqual({
      msg: 'configuration error',
      problems: ['PORT: must be a port number', 'APP_SECRET: must be set'],
    });
    const surprise = describeBootFailure(new TypeError('x is not a function'), env);
    expect(surprise.problems).toEqual(['x is not a function']);
    expect(surprise.stack).toContain('TypeError');
  });
});

describe('BootLog', () => {
  let written: string[];
  beforeEach(() => {
    written = [];
    const keep = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    jest.spyOn(process.stdout, 'write').mockImplementation(keep);
    jest.spyOn(process.stderr, 'write').mockImplementation(keep);
  });
  afterEach(() => jest.restoreAllMocks());

  it('in production, writes one JSON line with level, time, msg and the problems', () => {
    const log = new BootLog('worker', { NODE_ENV: 'production', ...env });
    log.info('\nStarting ...');
    log.failed(netError('ECONNREFUSED', { address: 'db.internal', port: 5432 }));
    expect(written).toHaveLength(2);
    const [info, failed] = written.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(info).toMatchObject({ level: 30, msg: 'Starting ...', process: 'worker' });
    expect(failed).toMatchObject({ level: 60, msg: 'Consilium worker did not start: cannot reach PostgreSQL', process: 'worker' });
    expect(failed.problems).toEqual([expect.stringContaining('check DATABASE_URL')]);
    expect(typeof failed.time).toBe('number');
    expect(written.every((l) => l.endsWith('}\n') && l.split('\n').length === 2)).toBe(true);
  });

  it('elsewhere, writes text for a person', () => {
    new BootLog('platform', { NODE_ENV: 'development' }).failed(new ConfigError(['PORT: must be a port number']));
    expect(written.join('')).toBe('\nConsilium did not start: configuration error\n  - PORT: must be a port number\n');
  });
});
