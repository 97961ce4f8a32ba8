// Home page throughput: a hospital's full home page (host -> tenant resolution, content cache, page template,
// layout, JSON-LD, attribution check, security headers, request log) against a bare node:http "hello" server
// measured in the same run, on the same machine, with the same load generator.
//
//   npm run bench                      (builds first; runs against dist/)
//   BENCH_SECONDS=20 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3 node test/bench/site-home.mjs
//
// Goals (issue 5): throughput ratio >= 0.5, p99 latency <= 10 ms. Not part of `npm test`.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

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

async function waitFor(check, what, timeoutMs = 90000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${what} did not come up in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function load(port, host, headers = {}, url = '/') {
  return new Promise((resolve, reject) => {
    const run = autocannon(
      { url: `http://127.0.0.1:${port}${url}`, connections, duration: seconds, headers: { host, accept: 'text/html', ...headers } },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    autocannon.track(run, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));

// 1. The baseline: node:http answering "hello", in its own process like the platform.
const helloPort = await freePort();
const hello = spawn(
  process.execPath,
  ['-e', `require('node:http').createServer((q, s) => s.end('hello')).listen(${helloPort}, '127.0.0.1')`],
  { stdio: 'ignore' },
);
children.push(hello);
await waitFor(async () => (await get(helloPort, 'x')).status === 200, 'hello server');

// 2. The platform on the embedded default (the demo hospitals applied on boot), logs to /dev/null.
const dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-bench-'));
chmodSync(dataDir, 0o755);
const port = await freePort();
const devNull = openSync('/dev/null', 'w');
const platform = spawn(process.execPath, [path.join(root, 'dist/apps/platform/src/main.js')], {
  env: {
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: logLevel,
    NODE_ENV: 'production',
    // Production refuses to fall back to stand-ins unless told: the bench measures pages, not Stripe, SES or S3.
    PAYMENTS_PROVIDER: 'demo',
    EMAIL_TRANSPORT: 'outbox',
    RECORDS_STORAGE: 'local',
    // As in production (deploy/compose.yaml), job handlers run in apps/worker, not in the web process.
    JOBS_RUN_IN_PLATFORM: 'false',
  },
  stdio: ['ignore', devNull, devNull],
});
children.push(platform);
await waitFor(async () => (await get(port, 'localhost', '/health/ready')).status === 200, 'platform');

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
const ceiling = spawn(
  process.execPath,
  [
    '-e',
    `
  const body = Buffer.from(process.env.BODY, 'base64'); const headers = JSON.parse(process.env.HEADERS);
  require('node:http').createServer((q, s) => { s.writeHead(200, headers); s.end(body); }).listen(${ceilingPort}, '127.0.0.1')`,
  ],
  {
    stdio: 'ignore',
    env: { PATH: process.env.PATH, BODY: served.body.toString('base64'), HEADERS: JSON.stringify(replayed) },
  },
);
children.push(ceiling);
await waitFor(async () => (await get(ceilingPort, 'x')).status === 200, 'ceiling server');
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
platform.kill('SIGTERM');
hello.kill('SIGTERM');
ceiling.kill('SIGTERM');
await new Promise((r) => platform.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });

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
const { loadavg, cpus } = await import('node:os');
const { site, identity, hello: bare, ceiling: same, floor } = summary;
const ratio = site.rps / bare.rps;
console.log(`\nHome page benchmark: ${connections} connections, ${rounds} rounds of ${seconds} s each (medians), LOG_LEVEL=${logLevel}`);
console.log(
  `  machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (the load generator shares these cores; other work skews every figure)`,
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
console.log(
  `  throughput ratio ${ratio.toFixed(2)} (goal >= 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'});  p99 ${site.p99} ms (goal <= 10 ms: ${site.p99 <= 10 ? 'met' : 'NOT met'})`,
);
process.exit(site.bad || identity.bad ? 1 : 0);
