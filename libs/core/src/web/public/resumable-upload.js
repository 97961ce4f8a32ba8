// Progressive enhancement for a file form marked `data-resumable="<tus endpoint>"`. Without JavaScript (or without
// fetch) the form posts its files as multipart, as it always does. With it, when any chosen file is larger than
// `data-resumable-over` bytes, every chosen file goes through the tus 1.0 endpoint instead, in chunks: a dropped
// connection is retried from the last byte the server confirmed, so a large study survives a slow or flaky line.
// When all are sent, the browser goes to `data-resumable-done` with the counts, as the plain form's redirect does.
// The file name travels only in the Upload-Metadata header, never in a URL; nothing is kept in browser storage.
(function () {
  'use strict';
  var form = document.querySelector('form[data-resumable]');
  if (!form || !window.fetch || !window.Blob || !Blob.prototype.slice) return;

  var CHUNK = 8 * 1024 * 1024;
  var endpoint = form.getAttribute('data-resumable');
  var done = form.getAttribute('data-resumable-done');
  var token = new URL(form.action, location.href).searchParams.get('_csrf') || '';
  var input = form.querySelector('input[type=file]');
  var status = form.querySelector('[data-resumable-status]');
  var progress = form.querySelector('progress');
  var button = form.querySelector('button[type=submit]');

  function say(text) {
    if (status) status.textContent = text;
  }

  function base64(text) {
    var bytes = new TextEncoder().encode(text);
    var binary = '';
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary);
  }

  function headers(extra) {
    var all = { 'Tus-Resumable': '1.0.0', 'x-csrf-token': token };
    for (var key in extra) all[key] = extra[key];
    return all;
  }

  function wait(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  /** Where the server has the upload: after a dropped connection the next chunk starts there. */
  function offsetOf(url) {
    return fetch(url, { method: 'HEAD', headers: headers({}), credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) throw new Error('status ' + res.status);
      return Number(res.headers.get('Upload-Offset'));
    });
  }

  function create(file) {
    return fetch(endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers({ 'Upload-Length': String(file.size), 'Upload-Metadata': 'filename ' + base64(file.name) }),
    }).then(function (res) {
      if (res.status !== 201) return { refused: true };
      return { url: res.headers.get('Location') };
    });
  }

  /** Sends one file from `offset`, retrying with backoff on network errors; resolves to the file's status. */
  async function send(file, url, sentBefore, total) {
    var offset = 0;
    var failures = 0;
    for (;;) {
      try {
        // After a failure, ask where to resume. Everything may have arrived without the last answer: the PATCH below
        // then carries no bytes, and the server finishes the file (or says how it ended) whichever instance it reaches.
        if (failures > 0) offset = await offsetOf(url);
        var res = await fetch(url, {
          method: 'PATCH',
          credentials: 'same-origin',
          headers: headers({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }),
          body: file.slice(offset, offset + CHUNK),
        });
        if (res.status === 409 || res.status === 460) {
          failures++;
          continue;
        }
        if (res.status === 423) {
          // Another request still holds the upload (or a server that went away does, until its lease lapses).
          failures++;
          await wait(Math.min(5000, 500 * Math.pow(2, Math.min(failures, 4))));
          continue;
        }
        if (!res.ok) return 'rejected';
        offset = Number(res.headers.get('Upload-Offset'));
        failures = 0;
        if (progress) progress.value = Math.round(((sentBefore + offset) / total) * 100);
        if (offset >= file.size) return res.headers.get('Record-File-Status') || 'uploaded';
      } catch (_offline) {
        failures++;
        say(form.getAttribute('data-resumable-retrying') || 'Connection lost, retrying...');
        await wait(Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
      }
    }
  }

  form.addEventListener('submit', async function (event) {
    var files = Array.prototype.slice.call((input && input.files) || []);
    var threshold = Number(form.getAttribute('data-resumable-over'));
    if (
      !files.some(function (f) {
        return f.size > threshold;
      })
    )
      return; // the plain form is best for small files
    event.preventDefault();
    if (button) button.disabled = true;
    if (progress) {
      progress.hidden = false;
      progress.value = 0;
    }
    var total = files.reduce(function (sum, f) {
      return sum + f.size;
    }, 0);
    var sent = 0;
    var kept = 0;
    var rejected = 0;
    for (var i = 0; i < files.length; i++) {
      say(
        (form.getAttribute('data-resumable-sending') || 'Sending {n} of {total}')
          .replace('{n}', String(i + 1))
          .replace('{total}', String(files.length)),
      );
      var created = await create(files[i]);
      var outcome = created.refused ? 'rejected' : await send(files[i], created.url, sent, total);
      if (outcome === 'rejected') rejected++;
      else kept++;
      sent += files[i].size;
    }
    location.assign(done + (done.indexOf('?') < 0 ? '?' : '&') + 'uploaded=' + kept + '&rejected=' + rejected + '#records');
  });
})();
