'use strict';
// The sealing half of framed-cipher.ts in a worker thread, so that AES-256-GCM runs beside the request's own thread
// (which parses and hashes) instead of after it. Plain JavaScript that needs nothing but Node: it loads as it is from
// the sources (tests) and from dist/ (the build copies it). It mirrors FrameSealer exactly, byte for byte: a full frame
// is held back until the next byte arrives, so that the last frame can carry the last mark; frame-sealing.spec.ts
// compares the two.
//
// Messages in: { start: { key, header, counter } }, { push: ArrayBuffer, length }, { finish: true }. Each push and
// finish is answered in order with { input, bodies, meta }: the pushed buffer handed back for reuse, each frame's
// ciphertext, and per frame its length word (4 bytes) and tag (16). Every buffer moves between the threads rather
// than being copied, and nothing but the ciphertext is allocated per frame, so memory stays flat on both sides.
// A failure is answered with { error } and ends the job.
const { createCipheriv } = require('node:crypto');
const { parentPort } = require('node:worker_threads');

const FRAME_SIZE = 64 * 1024;
const HEADER_SIZE = 24;
const LAST = 0x80000000;
const META = 20;

let job = null;

function seal(length, last, out) {
  const word = (length | (last ? LAST : 0)) >>> 0;
  const nonce = Buffer.allocUnsafe(12);
  job.header.copy(nonce, 0, 8, 16);
  nonce.writeUInt32BE(job.counter, 8);
  const aad = Buffer.allocUnsafe(HEADER_SIZE + 8);
  job.header.copy(aad, 0);
  aad.writeUInt32BE(job.counter, HEADER_SIZE);
  aad.writeUInt32BE(word, HEADER_SIZE + 4);
  job.counter++;
  const cipher = createCipheriv('aes-256-gcm', job.key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(job.pending.subarray(0, length));
  cipher.final();
  out.push({ word, body, tag: cipher.getAuthTag() });
}

function push(chunk, out) {
  let offset = 0;
  while (offset < chunk.length) {
    if (job.filled === FRAME_SIZE) {
      seal(FRAME_SIZE, false, out);
      job.filled = 0;
    }
    const n = Math.min(FRAME_SIZE - job.filled, chunk.length - offset);
    chunk.copy(job.pending, job.filled, offset, offset + n);
    job.filled += n;
    offset += n;
  }
}

function reply(frames, input) {
  const meta = Buffer.allocUnsafeSlow(frames.length * META);
  const bodies = [];
  const transfer = new Set(input ? [input, meta.buffer] : [meta.buffer]);
  frames.forEach((frame, i) => {
    meta.writeUInt32BE(frame.word, i * META);
    frame.tag.copy(meta, i * META + 4);
    const body = frame.body;
    bodies.push(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    // A ciphertext that shares its memory with anything else is copied instead of moved.
    if (body.byteOffset === 0 && body.buffer.byteLength === body.byteLength) transfer.add(body.buffer);
  });
  parentPort.postMessage({ input, bodies, meta: meta.buffer }, [...transfer]);
}

parentPort.on('message', (message) => {
  try {
    if (message.start) {
      const { key, header, counter } = message.start;
      job = { key: Buffer.from(key), header: Buffer.from(header), counter, pending: Buffer.allocUnsafe(FRAME_SIZE), filled: 0 };
    } else if (message.push) {
      const out = [];
      push(Buffer.from(message.push, 0, message.length), out);
      reply(out, message.push);
    } else if (message.finish) {
      const out = [];
      seal(job.filled, true, out);
      job = null;
      reply(out, null);
    }
  } catch (error) {
    job = null;
    parentPort.postMessage({ error: String(error && error.message) });
  }
});
