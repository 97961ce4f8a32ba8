import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FrameSealer, newHeader } from './framed-cipher';

/** Sealed in the calling thread until this much has passed: small files never wait for a worker. */
const HANDOFF_BYTES = 4 * 1024 * 1024;
/** Plaintext goes to the worker in batches of about this size, ... */
const BATCH_BYTES = 1024 * 1024;
/** ... with at most this many batches sealed ahead of the consumer: the back-pressure that bounds memory. */
const AHEAD = 4;

/** What the worker hands back for one batch: the sealed frames' buffers, and the batch's memory for reuse. */
interface Sealed {
  parts: Buffer[];
  input: ArrayBuffer | null;
}

interface Answer {
  input: ArrayBuffer | null;
  bodies: Uint8Array[];
  meta: ArrayBuffer;
  error?: string;
}

/** One worker thread running frame-seal-worker.js, one job at a time; its answers come back in order. */
class SealingWorker {
  // A small young generation: the worker allocates little that lives, and what it keeps waiting for a collection is
  // memory the process holds for nothing (the upload's RSS growth is a budget).
  private readonly worker = new Worker(path.join(__dirname, 'frame-seal-worker.js'), {
    resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
  });
  private readonly waiting: { resolve: (sealed: Sealed) => void; reject: (error: Error) => void }[] = [];
  failed = false;

  constructor() {
    this.worker.on('message', (message: Answer) => {
      const next = this.waiting.shift();
      if (message.error !== undefined) return next?.reject(new Error(`sealing worker: ${message.error}`));
      // Per frame: its length word, its ciphertext and its tag, written one after the other (as FrameSealer's).
      const meta = Buffer.from(message.meta);
      const parts: Buffer[] = [];
      message.bodies.forEach((body, i) => {
        parts.push(
          meta.subarray(i * 20, i * 20 + 4),
          Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          meta.subarray(i * 20 + 4, i * 20 + 20),
        );
      });
      next?.resolve({ parts, input: message.input });
    });
    const fail = (error: Error) => {
      this.failed = true;
      for (const next of this.waiting.splice(0)) next.reject(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('sealing worker exited')));
    // Referenced only while it has a job: an idle worker must not keep alive a process that has nothing else to do
    // (after the listeners, which would reference it again).
    this.worker.unref();
  }

  start(key: Buffer, header: Buffer, counter: number): void {
    this.worker.ref();
    this.worker.postMessage({ start: { key, header, counter } });
  }

  idle(): void {
    this.worker.unref();
  }

  /** The first `length` bytes of `input`, whose memory moves to the worker and comes back with the answer. */
  push(input: ArrayBuffer, length: number): Promise<Sealed> {
    return this.ask({ push: input, length }, [input]);
  }

  finish(): Promise<Sealed> {
    return this.ask({ finish: true }, []);
  }

  async terminate(): Promise<void> {
    this.failed = true;
    await this.worker.terminate();
  }

  private ask(message: object, transfer: ArrayBuffer[]): Promise<Sealed> {
    if (this.failed) return Promise.reject(new Error('sealing worker failed'));
    const answer = new Promise<Sealed>((resolve, reject) => this.waiting.push({ resolve, reject }));
    // Awaited in order by the caller; until then a failure must not count as an unhandled rejection.
    answer.catch(() => undefined);
    this.worker.postMessage(message, transfer);
    return answer;
  }
}

/** At most one worker per core but one (the request's thread keeps one); a write finding none free seals in place. */
class SealingWorkers {
  private readonly idle: SealingWorker[] = [];
  private count = 0;
  private readonly max = Math.max(1, availableParallelism() - 1);

  acquire(): SealingWorker | null {
    const worker = this.idle.pop();
    if (worker) return worker;
    if (this.count >= this.max) return null;
    this.count++;
    return new SealingWorker();
  }

  release(worker: SealingWorker, reusable: boolean): void {
    if (reusable && !worker.failed) {
      worker.idle();
      this.idle.push(worker);
      return;
    }
    this.count--;
    void worker.terminate();
  }
}

const workers = new SealingWorkers();

/**
 * `sealStream` with the AES-256-GCM work on a worker thread once a file passes 4 MiB, so that encrypting a large
 * upload runs beside parsing and hashing it instead of after them. The bytes are the same as `sealStream`'s with the
 * same key and header (frame-sealing.spec.ts); at most AHEAD batches of 1 MiB are on their way at any time.
 */
export async function* sealStreamConcurrently(source: AsyncIterable<Buffer>, key: Buffer, header = newHeader()): AsyncGenerator<Buffer> {
  yield header;
  const sealer = new FrameSealer(key, header);
  const iterator = source[Symbol.asyncIterator]();
  for (let passed = 0; passed < HANDOFF_BYTES;) {
    const next = await iterator.next();
    if (next.done) {
      yield* sealer.finish(true);
      return;
    }
    passed += next.value.length;
    yield* sealer.push(next.value);
  }
  const worker = workers.acquire();
  if (!worker) {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield* sealer.push(next.value);
    yield* sealer.finish(true);
    return;
  }
  let finished = false;
  try {
    const { counter, pending } = sealer.handOff();
    worker.start(key, header, counter);
    // Batches are copied into buffers that go to the worker and come back: AHEAD + 1 of them for the whole write.
    const free: ArrayBuffer[] = [];
    const answers: Promise<Sealed>[] = [];
    let batch = new Uint8Array(new ArrayBuffer(BATCH_BYTES));
    let batched = 0;
    const send = () => {
      answers.push(worker.push(batch.buffer, batched));
      batch = new Uint8Array(free.pop() ?? new ArrayBuffer(BATCH_BYTES));
      batched = 0;
    };
    const take = async (sealed: Promise<Sealed>) => {
      const { parts, input } = await sealed;
      if (input) free.push(input);
      return parts;
    };
    const add = function* (chunk: Buffer): Generator<Promise<Sealed>> {
      for (let at = 0; at < chunk.length;) {
        const n = Math.min(BATCH_BYTES - batched, chunk.length - at);
        batch.set(chunk.subarray(at, at + n), batched);
        batched += n;
        at += n;
        if (batched < BATCH_BYTES) continue;
        send();
        if (answers.length >= AHEAD) yield answers.shift()!;
      }
    };
    for (const ready of add(pending)) yield* await take(ready);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      for (const ready of add(next.value)) yield* await take(ready);
    }
    if (batched > 0) send();
    answers.push(worker.finish());
    while (answers.length) yield* await take(answers.shift()!);
    finished = true;
  } finally {
    // A write abandoned halfway leaves the worker with a job in progress: it is not reused.
    workers.release(worker, finished);
  }
}
