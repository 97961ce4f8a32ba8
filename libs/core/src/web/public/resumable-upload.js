// Progressive enhancement for a file form marked `data-resumable="<tus endpoint>"`. Without JavaScript (or without
// fetch) the form posts its files as multipart, as it always does. With it, when any chosen file is larger than
// `data-resumable-over` bytes, every chosen file goes through the tus 1.0 endpoint instead, in chunks: a dropped
// connection is retried from the last byte the server confirmed, so a large study survives a slow or flaky line.
// When all are sent, the browser goes to `data-resumable-done` with the counts, as the plain form's redirect does.
// The file name travels only in the Upload-Metadata header, never in a URL; nothing is kept in browser storage.
// Smaller files go, one request per file, to the plain form's own address. Either way each file shows its bytes and
// percent as they leave, the button is disabled, and a Cancel button stops what is still being sent. The words come
// from the page (data-upload-* attributes, by key); numbers and sizes are formatted by Intl in the page's language.
// Integrity: where WebCrypto is available (a secure context), a file sent in one request carries its SHA-256 in a
// `sha256` field before it, and a file small enough to read at once (WHOLE_DIGEST_MAX) carries it in its tus
// Upload-Metadata; the server refuses a file whose bytes do not have it. WebCrypto cannot hash incrementally, so a
// larger file's every chunk carries its own SHA-256 (tus Upload-Checksum), which the server checks before keeping it.
(function () {
  'use strict';
  var form = document.querySelector('form[data-resumable]');
  if (!form || !window.fetch || !window.Blob || !Blob.prototype.slice) return;

  var CHUNK = 8 * 1024 * 1024;
  var WHOLE_DIGEST_MAX = 128 * 1024 * 1024;
  var subtle = window.crypto && window.crypto.subtle;
  var endpoint = form.getAttribute('data-resumable');
  var done = form.getAttribute('data-resumable-done');
  var token = new URL(form.action, location.href).searchParams.get('_csrf') || '';
  var input = form.querySelector('input[type=file]');
  var status = form.querySelector('[data-resumable-status]');
  var progress = form.querySelector('progress');
  var button = form.querySelector('button[type=submit]');
  var lang = document.documentElement.lang || undefined;
  var cancelled = false;
  var current = null; // the request or AbortController in flight, for Cancel
  var stopped = null; // why the server stopped taking files (a quota), as the plain form's redirect says

  var list = document.createElement('ul');
  list.className = 'upload-list';
  list.hidden = true;
  var cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'link-button';
  cancel.hidden = true;
  cancel.textContent = form.getAttribute('data-upload-cancel') || 'Cancel';
  (progress || button).insertAdjacentElement('afterend', list);
  list.insertAdjacentElement('afterend', cancel);
  cancel.addEventListener('click', function () {
    cancelled = true;
    if (current && current.abort) current.abort();
  });

  function size(bytes) {
    var mb = bytes >= 1000000;
    return new Intl.NumberFormat(lang, { style: 'unit', unit: mb ? 'megabyte' : 'kilobyte', maximumFractionDigits: 1 }).format(
      mb ? bytes / 1000000 : bytes / 1000,
    );
  }

  /** One line per file: its name (data, not translated), a bar, and "{sent} of {size} ({percent})". */
  function row(file) {
    var item = document.createElement('li');
    var name = document.createElement('span');
    name.setAttribute('translate', 'no');
    name.className = 'upload-list__name';
    name.textContent = file.name;
    var bar = document.createElement('progress');
    bar.max = Math.max(file.size, 1);
    bar.value = 0;
    bar.setAttribute('aria-label', file.name);
    var text = document.createElement('span');
    text.className = 'upload-list__bytes';
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(text);
    list.appendChild(item);
    function show(sent) {
      sent = Math.min(sent, file.size);
      bar.value = sent;
      text.textContent = (form.getAttribute('data-upload-bytes') || '{sent} of {size} ({percent})')
        .replace('{sent}', size(sent))
        .replace('{size}', size(file.size))
        .replace('{percent}', new Intl.NumberFormat(lang, { style: 'percent' }).format(file.size ? sent / file.size : 1));
    }
    show(0);
    return show;
  }

  /** SHA-256 of a Blob's bytes with WebCrypto, as raw bytes; null where WebCrypto is not available. */
  async function sha256(blob) {
    if (!subtle) return null;
    return new Uint8Array(await subtle.digest('SHA-256', await blob.arrayBuffer()));
  }

  function hex(bytes) {
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? '0' : '') + b.toString(16);
      })
      .join('');
  }

  function bytesBase64(bytes) {
    var binary = '';
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary);
  }

  /** A small file through the plain form's address, as its own multipart request; its counts from the redirect. */
  async function post(file, show) {
    var digest = await sha256(file).catch(function () {
      return null;
    });
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      current = xhr;
      xhr.open('POST', form.action);
      xhr.upload.onprogress = function (e) {
        // The request carries the multipart framing too: scale to the file's own bytes.
        if (e.lengthComputable) show((e.loaded / e.total) * file.size);
      };
      xhr.onload = function () {
        var query = new URL(xhr.responseURL || location.href).searchParams;
        var uploaded = Number(query.get('uploaded'));
        stopped = query.get('stopped') || stopped;
        resolve(xhr.status < 400 && uploaded > 0 ? 'uploaded' : 'rejected');
      };
      xhr.onerror = function () {
        resolve('rejected');
      };
      xhr.onabort = function () {
        resolve('cancelled');
      };
      var data = new FormData();
      if (digest) data.append('sha256', hex(digest));
      data.append('file', file, file.name);
      xhr.send(data);
    });
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function base64(text) {
    return bytesBase64(new TextEncoder().encode(text));
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

  async function create(file) {
    var metadata = 'filename ' + base64(file.name);
    if (file.size <= WHOLE_DIGEST_MAX) {
      var digest = await sha256(file).catch(function () {
        return null;
      });
      if (digest) metadata += ',sha256 ' + base64(hex(digest));
    }
    return fetch(endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers({ 'Upload-Length': String(file.size), 'Upload-Metadata': metadata }),
    }).then(function (res) {
      if (res.status !== 201) return { refused: true };
      return { url: res.headers.get('Location') };
    });
  }

  /** Sends one file from `offset`, retrying with backoff on network errors; resolves to the file's status. */
  async function send(file, url, sentBefore, total, show) {
    var offset = 0;
    var failures = 0;
    for (;;) {
      if (cancelled) return 'cancelled';
      try {
        // After a failure, ask where to resume. Everything may have arrived without the last answer: the PATCH below
        // then carries no bytes, and the server finishes the file (or says how it ended) whichever instance it reaches.
        if (failures > 0) offset = await offsetOf(url);
        var chunk = file.slice(offset, offset + CHUNK);
        var patch = { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' };
        var digest = chunk.size > 0 ? await sha256(chunk) : null;
        if (digest) patch['Upload-Checksum'] = 'sha256 ' + bytesBase64(digest);
        current = new AbortController();
        var res = await fetch(url, {
          method: 'PATCH',
          signal: current.signal,
          credentials: 'same-origin',
          headers: headers(patch),
          body: chunk,
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
        show(offset);
        if (offset >= file.size) return res.headers.get('Record-File-Status') || 'uploaded';
      } catch (_offline) {
        if (cancelled) return 'cancelled';
        failures++;
        say(form.getAttribute('data-resumable-retrying') || 'Connection lost, retrying...');
        await wait(Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
      }
    }
  }

  form.addEventListener('submit', async function (event) {
    var files = Array.prototype.slice.call((input && input.files) || []);
    if (!files.length || !window.FormData || !window.XMLHttpRequest) return; // the plain form says what is missing
    var threshold = Number(form.getAttribute('data-resumable-over'));
    var resumable = files.some(function (f) {
      return f.size > threshold;
    });
    event.preventDefault();
    cancelled = false;
    stopped = null;
    if (button) button.disabled = true;
    if (progress) {
      progress.hidden = false;
      progress.value = 0;
    }
    list.textContent = '';
    list.hidden = false;
    cancel.hidden = false;
    var total = files.reduce(function (sum, f) {
      return sum + f.size;
    }, 0);
    var sent = 0;
    var kept = 0;
    var rejected = 0;
    var shows = files.map(row);
    for (var i = 0; i < files.length && !cancelled; i++) {
      say(
        (form.getAttribute('data-resumable-sending') || 'Sending {n} of {total}')
          .replace('{n}', String(i + 1))
          .replace('{total}', String(files.length)),
      );
      var outcome;
      if (resumable) {
        var created = await create(files[i]);
        outcome = created.refused ? 'rejected' : await send(files[i], created.url, sent, total, shows[i]);
      } else {
        outcome = await post(files[i], shows[i]);
      }
      if (outcome === 'cancelled') break;
      if (outcome === 'rejected') rejected++;
      else kept++;
      shows[i](files[i].size);
      sent += files[i].size;
      if (progress) progress.value = Math.round((sent / total) * 100);
    }
    current = null;
    if (cancelled && kept + rejected === 0) {
      // Nothing arrived: the form is as it was, ready to choose again.
      say(form.getAttribute('data-upload-cancelled') || 'Upload cancelled.');
      if (button) button.disabled = false;
      if (progress) progress.hidden = true;
      list.hidden = true;
      cancel.hidden = true;
      return;
    }
    var counts = 'uploaded=' + kept + '&rejected=' + rejected + (stopped ? '&stopped=' + encodeURIComponent(stopped) : '');
    location.assign(done + (done.indexOf('?') < 0 ? '?' : '&') + counts + '#records');
  });
})();
