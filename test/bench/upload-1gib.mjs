// Benchmark: a 1 GiB upload through the records HTTP endpoint (multipart, streamed, sniffed, hashed, encrypted with
// AES-256-GCM and fsynced to local storage), against two baselines measured in the same run: a plain Node stream copy
// of the same file, and SHA-256 plus AES-256-GCM (our 64 KiB frames) of the same bytes in memory on one core. The
// upload hashes on the request's thread while a worker thread encrypts, so it can beat the second baseline.
// Targets: server RSS growth under 64 MiB; throughput at least 0.5x the plain copy; SHA-256 verified by the server.
//
//   npm run build && node test/bench/upload-1gib.mjs [--size-mib 1024] [--rounds 3] [--tus]
//   node test/bench/upload-1gib.mjs --smoke      # 48 MiB, one round, under a minute: that it still runs
//   npm run bench:upload [-- --smoke]            # builds first; BENCH_SMOKE=1 works too, as for every benchmark
//
// Runs the compiled code in dist/; not part of `npm test`. Needs about 3 GiB of free disk in the temp folder.
// Disks on shared machines are noisy, so copy and upload alternate for a few rounds and medians are compared.
// It never hangs: an overall time limit, and a server that exits early, end it with the server's last lines and a
// non-zero exit.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash, randomFillSync, randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { figure, isSmoke, printResult } from './support/harness.mjs';

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const smoke = isSmoke();
const sizeMiB = option('--size-mib', smoke ? 48 : 1024);
const rounds = option('--rounds', smoke ? 1 : 3);
const limitSeconds = option('--time-limit', smoke ? 60 : 1200);
const here = path.dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'consilium-bench-'));
const source = path.join(work, 'upload.pdf');

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A PDF header then random bytes (incompressible, like imaging data), and its SHA-256. */
function makeSource() {
  const hash = createHash('sha256');
  // Flushed to disk before anything is timed, so neither measurement pays for writing back the source.
  const out = createWriteStream(source, { flush: true });
  const block = Buffer.alloc(MiB);
  return new Promise((resolve, reject) => {
    let written = 0;
    const next = () => {
      while (written < sizeMiB) {
        randomFillSync(block);
        if (written === 0) block.write('%PDF-1.7\n', 0, 'latin1');
        hash.update(block);
        written++;
        if (!out.write(Buffer.from(block))) return void out.once('drain', next);
      }
      out.end(() => resolve(hash.digest('hex')));
    };
    out.on('error', reject);
    next();
  });
}

const require = createRequire(import.meta.url);
const { FrameSealer, newHeader } = require(path.join(here, '../../dist/libs/records/src/storage/framed-cipher.js'));

/** The same bytes, SHA-256 and sealed in our 64 KiB AES-256-GCM frames, in memory on one core: only that is timed. */
function inMemoryHashAndSeal() {
  const block = Buffer.alloc(64 * MiB);
  const hash = createHash('sha256');
  const key = randomFillSync(Buffer.alloc(32));
  const sealer = new FrameSealer(key, newHeader());
  const fd = openSync(source, 'r');
  let seconds = 0;
  try {
    for (;;) {
      const n = readSync(fd, block, 0, block.length, null);
      if (n === 0) break;
      const started = performance.now();
      hash.update(block.subarray(0, n));
      sealer.push(block.subarray(0, n));
      seconds += (performance.now() - started) / 1000;
    }
    const started = performance.now();
    sealer.finish(true);
    hash.digest();
    seconds += (performance.now() - started) / 1000;
  } finally {
    closeSync(fd);
  }
  return seconds;
}

const vm = (pid, field) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]) * 1024;

async function plainCopy() {
  const target = path.join(work, 'copy.pdf');
  const started = performance.now();
  await pipeline(createReadStream(source), createWriteStream(target));
  const seconds = (performance.now() - started) / 1000;
  rmSync(target);
  return seconds;
}

/** Streams the file as one multipart/form-data part; resolves with the response once it has fully arrived. */
function multipartUpload(server, caseId, file) {
  const boundary = `----bench${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + statSync(file).size + tail.length;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/cases/${caseId}/records`,
        headers: {
          Host: server.host,
          Accept: 'application/json',
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': length,
        },
      },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(parts).toString() || '{}') }));
      },
    );
    req.on('error', reject);
    req.write(head);
    const body = createReadStream(file, { highWaterMark: 256 * 1024 });
    body.pipe(req, { end: false });
    body.on('end', () => req.end(tail));
    body.on('error', reject);
  });
}

/** tus: create, then one PATCH with the whole file (the resumable path stages, then runs the same pipeline). */
async function tusUpload(server, caseId, file) {
  const request = (method, url, headers, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: server.port, method, path: url, headers: { Host: server.host, 'Tus-Resumable': '1.0.0', ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res));
        },
      );
      req.on('error', reject);
      if (body) body.pipe(req);
      else req.end();
    });
  const size = statSync(file).size;
  const created = await request('POST', `/cases/${caseId}/uploads`, { 'Upload-Length': size, 'Content-Length': 0 });
  const res = await request(
    'PATCH',
    created.headers.location,
    { 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': size },
    createReadStream(file, { highWaterMark: 256 * 1024 }),
  );
  return { status: res.statusCode, fileId: res.headers['record-file-id'], fileStatus: res.headers['record-file-status'] };
}

async function measure(child, upload) {
  // Peak RSS is measured from here: clear the kernel's high-water mark, and also sample, in case clear_refs is refused.
  let sampledPeak = 0;
  try {
    writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
  } catch {
    /* not permitted: the samples below still bound the peak */
  }
  const before = vm(child.pid, 'VmRSS');
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, vm(child.pid, 'VmRSS'))), 20);
  const started = performance.now();
  const result = await upload();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const peak = Math.max(sampledPeak, vm(child.pid, 'VmHWM'));
  return { result, seconds, growth: peak - before, before };
}

const fmt = (bytes, seconds) => `${(bytes / MiB / seconds).toFixed(0)} MiB/s`;

async function main() {
  process.stdout.write(`Writing a ${sizeMiB} MiB test file ... `);
  const sha256 = await makeSource();
  const bytes = statSync(source).size;
  console.log('done');

  const dataDir = path.join(work, 'server');
  const child = fork(path.join(here, 'upload-1gib-server.mjs'), [dataDir, String(await freePort())], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: ['--enable-source-maps'],
  });
  // The server's output, kept for a failure message; a server that exits before we stop it ends the run.
  const lastLines = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      lastLines.push(...chunk.toString().split('\n').filter(Boolean));
      lastLines.splice(0, Math.max(0, lastLines.length - 40));
    });
  }
  let stopping = false;
  const fail = (reason) => {
    console.error(`\n${reason}. The server's last lines:\n${lastLines.join('\n') || '(none)'}`);
    child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    process.exit(1);
  };
  child.once('exit', (code, signal) => {
    if (!stopping) fail(`The benchmark server exited (${signal ?? `code ${code}`}) before the benchmark ended`);
  });
  const limit = setTimeout(() => fail(`No result within the time limit (${limitSeconds} s)`), limitSeconds * 1000);
  const server = await new Promise((resolve) => child.once('message', resolve));
  try {
    // Warm up: first requests compile routes and fill pools (the sealing worker thread starts with the first file
    // past 4 MiB); they are not what is measured.
    const warm = path.join(work, 'warm.pdf');
    writeFileSync(warm, Buffer.concat([Buffer.from('%PDF-1.7\n'), randomFillSync(Buffer.alloc(16 * MiB))]));
    for (let i = 0; i < 3; i++) await multipartUpload(server, server.cases.shift(), warm);

    const copies = [];
    const uploads = [];
    for (let round = 1; round <= rounds; round++) {
      copies.push(await plainCopy());
      const upload = await measure(child, () => multipartUpload(server, server.cases.shift(), source));
      const file = upload.result.body.files?.[0];
      if (upload.result.status !== 201 || file?.status !== 'ready' || file.sha256 !== sha256) {
        throw new Error(`upload failed: ${upload.result.status} ${JSON.stringify(upload.result.body).slice(0, 300)}`);
      }
      uploads.push(upload);
      console.log(
        `round ${round}: copy ${fmt(bytes, copies.at(-1))}, upload ${fmt(bytes, upload.seconds)}, RSS growth ${(upload.growth / MiB).toFixed(1)} MiB`,
      );
    }
    const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
    const copySeconds = median(copies);
    const uploadSeconds = median(uploads.map((u) => u.seconds));
    const ratio = copySeconds / uploadSeconds;
    const growthMiB = Math.max(...uploads.map((u) => u.growth)) / MiB;
    const upload = uploads[0];
    const memorySeconds = inMemoryHashAndSeal();
    console.log(`file:                 ${(bytes / MiB).toFixed(0)} MiB, SHA-256 verified by the server each round`);
    console.log(`plain stream copy:    ${copySeconds.toFixed(2)} s  ${fmt(bytes, copySeconds)}  (median of ${rounds})`);
    console.log(
      `HTTP upload:          ${uploadSeconds.toFixed(2)} s  ${fmt(bytes, uploadSeconds)}  (median of ${rounds}; multipart, sniff + SHA-256 + AES-256-GCM + fsync)`,
    );
    console.log(
      `in-memory baseline:   ${memorySeconds.toFixed(2)} s  ${fmt(bytes, memorySeconds)}  (SHA-256 + AES-256-GCM frames, one core)`,
    );
    console.log(`ratio upload/copy:    ${ratio.toFixed(2)}x  (target >= 0.50x)  ${ratio >= 0.5 ? 'PASS' : 'FAIL'}`);
    console.log(
      `ratio upload/memory:  ${(memorySeconds / uploadSeconds).toFixed(2)}x  (hashing and encrypting on two threads can pass 1.00x)`,
    );
    console.log(
      `server RSS:           ${(upload.before / MiB).toFixed(0)} MiB before, peak growth ${growthMiB.toFixed(1)} MiB (worst round)  (target < 64 MiB)  ${growthMiB < 64 ? 'PASS' : 'FAIL'}`,
    );

    if (args.includes('--tus')) {
      const tus = await measure(child, () => tusUpload(server, server.cases.shift(), source));
      console.log(
        `tus upload:           ${tus.seconds.toFixed(2)} s  ${fmt(bytes, tus.seconds)}  (staged sealed, then the same pipeline: two passes)  RSS growth ${(tus.growth / MiB).toFixed(1)} MiB  status ${tus.result.fileStatus}`,
      );
    }
    console.log(
      `load average:         ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${cpus().length} cores`,
    );
    // The result npm run bench:all collects (support/harness.mjs): each figure with its same-run baseline and goal.
    const rate = (seconds) => bytes / MiB / seconds;
    printResult(
      { name: 'upload', title: 'Upload benchmark' },
      {
        size: smoke ? 'smoke' : args.includes('--size-mib') || args.includes('--rounds') ? 'custom' : 'full',
        params: { sizeMiB, rounds },
        figures: [
          figure({
            id: 'throughput',
            label: `HTTP upload of ${sizeMiB.toLocaleString('en-US')} MiB (sniff + SHA-256 + AES-256-GCM + fsync)`,
            value: rate(uploadSeconds),
            unit: 'MiB/s',
            baseline: { label: 'plain stream copy of the file', value: rate(copySeconds), unit: 'MiB/s' },
            goal: { on: 'ratio', op: '>=', target: 0.5 },
          }),
          figure({
            id: 'vs-memory',
            label: 'HTTP upload, against hashing and sealing in memory',
            value: rate(uploadSeconds),
            unit: 'MiB/s',
            baseline: { label: 'SHA-256 + AES-256-GCM in memory, one core', value: rate(memorySeconds), unit: 'MiB/s' },
          }),
          figure({
            id: 'rss-growth',
            label: 'server memory growth during the upload (worst round)',
            value: growthMiB,
            unit: 'MiB',
            goal: { on: 'value', op: '<', target: 64, unit: 'MiB' },
          }),
        ],
        checks: [{ label: 'the server verified the SHA-256 of every round', ok: true }],
      },
    );
    // A smoke run judges that the benchmark runs, not its figures (shared machines are noisy).
    process.exitCode = smoke || (ratio >= 0.5 && growthMiB < 64) ? 0 : 1;
  } finally {
    stopping = true;
    clearTimeout(limit);
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
