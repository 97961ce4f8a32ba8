// Home page throughput: a hospital's full home page (host -> tenant resolution, content cache, page template,
// layout, JSON-LD, attribution check, security headers, request log) against a bare node:http "hello" server
// measured in the same run, on the same machine, with the same load generator.
//
//   npm run bench                      (builds first; runs against dist/)
//   npm run bench -- --smoke           (one round of 1 s each: checks that it runs)
//   BENCH_SECONDS=20 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3 node test/bench/site-home.mjs
//
// The platform runs as in production: its own database, migrated and with the demo hospitals applied beforehand,
// NODE_ENV=production with the settings of support/config.mjs, job handlers in a worker (not started here).
// Goals (issue 5): throughput ratio >= 0.5, p99 latency <= 10 ms. Not part of `npm test`.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { benchmark, childEnv, dist, figure, freePort, require, root } from './support/harness.mjs';

const get = (port, host, url = '/') =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });

await benchmark({ name: 'site-home', title: 'Home page benchmark', timeLimitSeconds: { smoke: 150, full: 1200 } }, async (bench) => {
  const seconds = Number(process.env.BENCH_SECONDS ?? (bench.smoke ? 1 : 10));
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
  const rounds = Number(process.env.BENCH_ROUNDS ?? (bench.smoke ? 1 : 3));

  const load = (port, host, headers = {}, url = '/') =>
    new Promise((resolve, reject) => {
      const run = autocannon(
        { url: `http://127.0.0.1:${port}${url}`, connections, duration: seconds, headers: { host, accept: 'text/html', ...headers } },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      autocannon.track(run, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
    });

  // 1. The baseline: node:http answering "hello", in its own process like the platform.
  const helloPort = await freePort();
  await bench.startChild({
    name: 'node:http hello',
    args: ['-e', `require('node:http').createServer((q, s) => s.end('hello')).listen(${helloPort}, '127.0.0.1')`],
    env: childEnv(),
    ready: async () => (await get(helloPort, 'x')).status === 200,
  });

  // 2. The platform as production runs it: migrated and the demo hospitals applied beforehand (`cli migrate`,
  // `cli tenants apply`), then started on that database. Its request log is on (LOG_LEVEL=info) and kept by the
  // harness as the last 64 KiB only.
  const db = await bench.startDatabase();
  const dataDir = bench.tempDir('data');
  const { NestFactory } = require('@nestjs/core');
  require('reflect-metadata');
  const { CliModule } = dist('apps/cli/src/cli.module.js');
  const tenancy = dist('libs/tenancy/src/index.js');
  const cli = await NestFactory.createApplicationContext(
    CliModule.register(bench.config({ ...db.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' })),
    {
      logger: false,
      abortOnError: false,
    },
  );
  const report = await cli.get(tenancy.BlueprintCatalog).apply(['lakeshore', 'meridian'], { root: path.join(root, 'tenants') });
  if (report.problems.length) throw new Error(`blueprints: ${JSON.stringify(report.problems)}`);
  await cli.close();

  const port = await freePort();
  await bench.startChild({
    name: 'platform',
    args: [path.join(root, 'dist/apps/platform/src/main.js')],
    env: childEnv({ ...db.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: logLevel, JOBS_RUN_IN_PLATFORM: 'false' }),
    ready: async () => (await get(port, 'localhost', '/health/ready')).status === 200,
  });

  const host = 'lakeshore.localhost';
  const page = await get(port, host);
  if (page.status !== 200 || !page.body.includes('Lakeshore Medical Center') || !page.body.includes('application/ld+json')) {
    throw new Error(`the home page is not what it should be (status ${page.status})`);
  }
  // A returning visitor (the common case): attribution reads the cookie and records nothing. Its browser takes
  // compressed pages, as every browser does (Chrome's header); the same page uncompressed is measured too.
  const visitor = { cookie: `cs_vid=${randomUUID()}`, referer: `http://${host}/pricing`, 'accept-encoding': 'gzip, deflate, br, zstd' };
  await load(port, host, visitor); // warm-up: JIT, caches
  const served = await new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', headers: { host, ...visitor } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
  // The ceiling for those bytes on this machine: node:http writing the very same headers and body from memory,
  // with no work at all. How far the platform is from it is the platform's own cost.
  const ceilingPort = await freePort();
  const replayed = Object.fromEntries(Object.entries(served.headers).filter(([k]) => !['date', 'connection', 'keep-alive'].includes(k)));
  await bench.startChild({
    name: 'node:http ceiling',
    args: [
      '-e',
      `
  const body = Buffer.from(process.env.BODY, 'base64'); const headers = JSON.parse(process.env.HEADERS);
  require('node:http').createServer((q, s) => { s.writeHead(200, headers); s.end(body); }).listen(${ceilingPort}, '127.0.0.1')`,
    ],
    env: { PATH: process.env.PATH, BODY: served.body.toString('base64'), HEADERS: JSON.stringify(replayed) },
    ready: async () => (await get(ceilingPort, 'x')).status === 200,
  });
  await load(helloPort, 'x');
  await load(ceilingPort, 'x');

  // Rounds that take turns, so a burst of other work on the machine hits every subject alike; medians are reported.
  const subjects = {
    site: () => load(port, host, visitor),
    identity: () => load(port, host, { ...visitor, 'accept-encoding': 'identity' }),
    hello: () => load(helloPort, 'x'),
    ceiling: () => load(ceilingPort, 'x'),
    // The framework's floor in the same process: a route with no tenant, no page and no database.
    floor: () => load(port, 'localhost', {}, '/health/live'),
  };
  const results = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(subjects)) results[name].push(await run());
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, runs]) => [
      name,
      {
        rps: median(runs.map((r) => r.requests.average)),
        p50: median(runs.map((r) => r.latency.p50)),
        p99: median(runs.map((r) => r.latency.p99)),
        bad: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
        each: runs.map((r) => Math.round(r.requests.average)).join(' / '),
      },
    ]),
  );
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const line = (label, x, note = '') =>
    console.log(
      `  ${label.padEnd(34)} ${fmt(x.rps).padStart(7)} req/s   p50 ${String(x.p50).padStart(2)} ms   p99 ${String(x.p99).padStart(3)} ms   (rounds: ${x.each})${note}`,
    );
  const { site, identity, hello: bare, ceiling: same, floor } = summary;
  console.log(
    `\n  ${connections} connections, ${rounds} round(s) of ${seconds} s each (medians), LOG_LEVEL=${logLevel}; the load generator shares these cores`,
  );
  line('node:http "hello"', bare);
  line(
    `${host} home, browser`,
    site,
    `  ${served.body.length} bytes ${served.headers['content-encoding'] ?? 'identity'}, non-2xx/errors ${site.bad}`,
  );
  line(`${host} home, uncompressed`, identity, `  ${page.body.length} bytes; ratio ${(identity.rps / bare.rps).toFixed(2)}`);
  line('node:http, the same bytes', same, `  ceiling: ratio ${(same.rps / bare.rps).toFixed(2)}`);
  line('Nest /health/live', floor, '  the framework without the page cache');
  console.log(
    `  the home page reaches ${((100 * site.rps) / same.rps).toFixed(0)}% of the ceiling (node:http writing its bytes from memory)`,
  );

  const hello = { label: 'node:http "hello"', unit: 'req/s' };
  return {
    size: bench.smoke ? 'smoke' : process.env.BENCH_SECONDS || process.env.BENCH_ROUNDS ? 'custom' : 'full',
    params: { seconds, rounds, connections, logLevel },
    figures: [
      figure({
        id: 'throughput',
        label: 'home page throughput (returning visitor, compressed)',
        value: site.rps,
        unit: 'req/s',
        baseline: { ...hello, value: bare.rps },
        goal: { on: 'ratio', op: '>=', target: 0.5 },
      }),
      figure({
        id: 'p99',
        label: 'home page p99 latency',
        value: site.p99,
        unit: 'ms',
        baseline: { label: 'node:http "hello" p99', value: bare.p99, unit: 'ms' },
        goal: { on: 'value', op: '<=', target: 10, unit: 'ms' },
      }),
      figure({
        id: 'uncompressed',
        label: 'home page throughput, uncompressed',
        value: identity.rps,
        unit: 'req/s',
        baseline: { ...hello, value: bare.rps },
      }),
      figure({
        id: 'ceiling',
        label: 'node:http writing the same bytes (the ceiling)',
        value: same.rps,
        unit: 'req/s',
        baseline: { ...hello, value: bare.rps },
      }),
    ],
    checks: [
      { label: 'every home page answered 2xx', ok: site.bad === 0 },
      { label: 'every uncompressed home page answered 2xx', ok: identity.bad === 0 },
    ],
  };
});
