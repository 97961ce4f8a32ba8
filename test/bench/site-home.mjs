// Home page throughput: a hospital's full home page (host -> tenant resolution, content cache, page template,
// layout, JSON-LD, attribution check, security headers, request log) against a bare node:http "hello" server
// measured in the same run, on the same machine, with the same load generator.
//
//   npm run bench                      (builds first; runs against dist/)
//   BENCH_SECONDS=20 BENCH_CONNECTIONS=50 node test/bench/site-home.mjs
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
const hello = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => s.end('hello')).listen(${helloPort}, '127.0.0.1')`], { stdio: 'ignore' });
children.push(hello);
await waitFor(async () => (await get(helloPort, 'x')).status === 200, 'hello server');

// 2. The platform on the embedded default (the demo hospitals applied on boot), logs to /dev/null.
const dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-bench-'));
chmodSync(dataDir, 0o755);
const port = await freePort();
const devNull = openSync('/dev/null', 'w');
const platform = spawn(process.execPath, [path.join(root, 'dist/apps/platform/src/main.js')], {
  env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: logLevel, NODE_ENV: 'production' },
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
const site = await load(port, host, visitor);
const identity = await load(port, host, { ...visitor, 'accept-encoding': 'identity' });
const compressed = await new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path: '/', headers: { host, ...visitor } }, (res) => {
    let n = 0;
    res.on('data', (c) => (n += c.length));
    res.on('end', () => resolve(`${n} bytes ${res.headers['content-encoding'] ?? 'identity'}`));
  }).on('error', reject);
});
// The framework's floor in the same process: a route with no tenant, no page and no database.
const floor = await load(port, 'localhost', {}, '/health/live');
await load(helloPort, 'x');
const bare = await load(helloPort, 'x');

platform.kill('SIGTERM');
hello.kill('SIGTERM');
await new Promise((r) => platform.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });

const ratio = site.requests.average / bare.requests.average;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const { loadavg, cpus } = await import('node:os');
console.log(`\nHome page benchmark: ${connections} connections, ${seconds} s each, page ${page.body.length} bytes, LOG_LEVEL=${logLevel}`);
console.log(`  machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine skews every figure)`);
console.log(`  node:http "hello"     ${fmt(bare.requests.average)} req/s   p50 ${bare.latency.p50} ms   p99 ${bare.latency.p99} ms`);
console.log(`  Nest /health/live     ${fmt(floor.requests.average)} req/s   p50 ${floor.latency.p50} ms   p99 ${floor.latency.p99} ms   (framework floor)`);
console.log(`  ${host} home  ${fmt(site.requests.average)} req/s   p50 ${site.latency.p50} ms   p99 ${site.latency.p99} ms   non-2xx ${site.non2xx}, errors ${site.errors}   (browser's Accept-Encoding: ${compressed})`);
console.log(`  ${host} home  ${fmt(identity.requests.average)} req/s   p50 ${identity.latency.p50} ms   p99 ${identity.latency.p99} ms   (uncompressed, ${page.body.length} bytes; ratio ${(identity.requests.average / bare.requests.average).toFixed(2)})`);
console.log(`  throughput ratio ${ratio.toFixed(2)} (goal >= 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'});  p99 ${site.latency.p99} ms (goal <= 10 ms: ${site.latency.p99 <= 10 ? 'met' : 'NOT met'})`);
process.exit(site.non2xx || site.errors || identity.non2xx || identity.errors ? 1 : 0);
