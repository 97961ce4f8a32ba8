// The case's studies in the browser, over the case's own DICOMweb root (`data-viewer="<root>"`): QIDO-RS for the
// series and their images, the instance metadata for pixel spacing, and WADO-RS *rendered* frames for the pictures.
// The server decodes native and RLE pixels into PNG (windowed with `?window=center,width` for a preset) and passes a
// baseline JPEG through, so this script decodes nothing: every picture is a same-origin <img>, which the page's
// Content-Security-Policy (img-src 'this') already allows. Every word comes from the section's `data-w-*`
// attributes, which the server filled from its catalogs. A picture the server cannot render shows its message in place.
(() => {
  'use strict';
  var section = document.querySelector('[data-viewer]');
  if (!section || !window.fetch) return;
  var root = section.getAttribute('data-viewer');
  var app = section.querySelector('[data-viewer-app]');
  var PRESETS = [
    { key: 'default' },
    { key: 'soft', center: 40, width: 400 },
    { key: 'lung', center: -600, width: 1500 },
    { key: 'bone', center: 300, width: 1500 },
    { key: 'brain', center: 40, width: 80 },
  ];
  var PREFETCH = 8;

  function say(key, values) {
    var text = section.dataset['w' + key.charAt(0).toUpperCase() + key.slice(1)] || '';
    return text.replace(/\{(\w+)\}/g, (_, name) => {
      return values && name in values ? String(values[name]) : '';
    });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((name) => {
      if (name === 'text') node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach((child) => {
      node.appendChild(child);
    });
    return node;
  }
  function value(item, tag) {
    var attribute = item[tag];
    if (!attribute || !attribute.Value || !attribute.Value.length) return '';
    var first = attribute.Value[0];
    return typeof first === 'object' && first !== null ? first.Alphabetic || '' : String(first);
  }
  function getJson(path) {
    return fetch(root + path, { headers: { Accept: 'application/dicom+json' }, credentials: 'same-origin' }).then((r) => {
      if (!r.ok) throw new Error(String(r.status));
      return r.status === 204 ? [] : r.json();
    });
  }

  var series = [];
  var uniq = 0;

  function Pane(index) {
    uniq += 1;
    var id = 'viewer-' + uniq;
    this.index = index;
    this.images = [];
    this.cache = {};
    this.current = 0;
    this.zoom = 1;
    this.panX = 0;
    this.panY = 0;
    this.tool = 'pan';
    this.spacing = null;
    this.line = null;
    this.generation = 0;
    this.select = el('select', { id: id + '-series' });
    this.select.appendChild(el('option', { value: '', text: say('chooseSeries') }));
    series.forEach((s, i) => {
      this.select.appendChild(el('option', { value: String(i), text: s.label }));
    }, this);
    this.preset = el('select', { id: id + '-preset' });
    PRESETS.forEach((p) => {
      this.preset.appendChild(el('option', { value: p.key, text: say('preset' + p.key.charAt(0).toUpperCase() + p.key.slice(1)) }));
    }, this);
    this.canvas = el('canvas', { width: '512', height: '512', 'aria-hidden': 'true', class: 'viewer__canvas' });
    this.stage = el('div', {
      class: 'viewer__stage',
      tabindex: '0',
      role: 'img',
      'aria-label': say('noSeries'),
      'aria-describedby': id + '-status',
    });
    this.stage.appendChild(this.canvas);
    this.problem = el('div', { class: 'notice viewer__problem', role: 'alert', hidden: 'hidden' });
    this.slider = el('input', { type: 'range', min: '1', max: '1', value: '1', id: id + '-slider', disabled: 'disabled' });
    this.status = el('p', { id: id + '-status', class: 'muted', 'aria-live': 'polite', 'data-viewer-status': '' });
    this.measure = el('p', { 'data-viewer-length': '', 'aria-live': 'polite' });
    var toolPan = el('button', { type: 'button', class: 'button button--secondary', 'aria-pressed': 'true', text: say('toolPan') });
    var toolMeasure = el('button', {
      type: 'button',
      class: 'button button--secondary',
      'aria-pressed': 'false',
      text: say('toolMeasure'),
    });
    var zoomIn = el('button', { type: 'button', class: 'button button--secondary', text: say('zoomIn') });
    var zoomOut = el('button', { type: 'button', class: 'button button--secondary', text: say('zoomOut') });
    var reset = el('button', { type: 'button', class: 'button button--secondary', text: say('reset') });
    this.node = el('div', { class: 'viewer__pane', 'data-viewer-pane': String(index) }, [
      el('p', { class: 'field' }, [el('label', { for: id + '-series', text: say('series') }), this.select]),
      el('p', { class: 'field' }, [el('label', { for: id + '-preset', text: say('window') }), this.preset]),
      el('p', { class: 'viewer__tools', role: 'group', 'aria-label': say('tools') }, [toolPan, toolMeasure, zoomIn, zoomOut, reset]),
      this.stage,
      this.problem,
      el('p', { class: 'field' }, [el('label', { for: id + '-slider', text: say('image') }), this.slider]),
      this.status,
      this.measure,
    ]);
    this.select.addEventListener('change', () => {
      if (this.select.value !== '') this.open(series[Number(this.select.value)]);
    });
    this.preset.addEventListener('change', () => {
      this.cache = {};
      this.show(this.current);
    });
    this.slider.addEventListener('input', () => {
      this.show(Number(this.slider.value) - 1);
    });
    const setTool = (tool) => {
      this.tool = tool;
      toolPan.setAttribute('aria-pressed', String(tool === 'pan'));
      toolMeasure.setAttribute('aria-pressed', String(tool === 'measure'));
    };
    toolPan.addEventListener('click', () => {
      setTool('pan');
    });
    toolMeasure.addEventListener('click', () => {
      setTool('measure');
    });
    zoomIn.addEventListener('click', () => {
      this.setZoom(this.zoom * 1.25);
    });
    zoomOut.addEventListener('click', () => {
      this.setZoom(this.zoom / 1.25);
    });
    reset.addEventListener('click', () => {
      this.zoom = 1;
      this.panX = 0;
      this.panY = 0;
      this.line = null;
      this.measure.textContent = '';
      this.draw();
    });
    this.stage.addEventListener(
      'wheel',
      (event) => {
        if (!this.images.length) return;
        event.preventDefault();
        this.show(this.current + (event.deltaY > 0 ? 1 : -1));
      },
      { passive: false },
    );
    this.stage.addEventListener('keydown', (event) => {
      var step = { ArrowDown: 1, ArrowRight: 1, PageDown: 10, ArrowUp: -1, ArrowLeft: -1, PageUp: -10 }[event.key];
      if (step) this.show(this.current + step);
      else if (event.key === 'Home') this.show(0);
      else if (event.key === 'End') this.show(this.images.length - 1);
      else if (event.key === '+' || event.key === '=') this.setZoom(this.zoom * 1.25);
      else if (event.key === '-') this.setZoom(this.zoom / 1.25);
      else return;
      event.preventDefault();
    });
    var drag = null;
    this.canvas.addEventListener('pointerdown', (event) => {
      var point = this.toImage(event);
      drag = { x: event.clientX, y: event.clientY, panX: this.panX, panY: this.panY, start: point };
      if (this.tool === 'measure') this.line = { a: point, b: point };
      this.canvas.setPointerCapture(event.pointerId);
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (!drag) return;
      if (this.tool === 'pan') {
        var ratio = this.canvas.width / this.canvas.getBoundingClientRect().width;
        this.panX = drag.panX + (event.clientX - drag.x) * ratio;
        this.panY = drag.panY + (event.clientY - drag.y) * ratio;
      } else {
        this.line = { a: drag.start, b: this.toImage(event) };
      }
      this.draw();
    });
    this.canvas.addEventListener('pointerup', () => {
      drag = null;
      if (this.tool === 'measure' && this.line) this.report();
    });
  }

  Pane.prototype.open = function (chosen) {
    this.generation += 1;
    var generation = this.generation;
    this.images = [];
    this.cache = {};
    this.line = null;
    this.measure.textContent = '';
    this.node.removeAttribute('data-viewer-shown');
    this.status.textContent = say('loading');
    var base = '/studies/' + chosen.study + '/series/' + chosen.series;
    return getJson(base + '/instances?includefield=00200013')
      .then((list) => {
        if (generation !== this.generation) return;
        list.sort((a, b) => {
          return Number(value(a, '00200013')) - Number(value(b, '00200013'));
        });
        this.images = list.map((item) => {
          return base + '/instances/' + value(item, '00080018');
        });
        this.slider.max = String(Math.max(1, this.images.length));
        if (this.images.length) this.slider.removeAttribute('disabled');
        this.node.setAttribute('data-viewer-count', String(this.images.length));
        this.spacing = null;
        getJson(this.images[0] + '/metadata')
          .then((meta) => {
            var spacing = meta[0] && meta[0]['00280030'] && meta[0]['00280030'].Value;
            if (spacing && spacing.length === 2) this.spacing = { row: Number(spacing[0]), column: Number(spacing[1]) };
          })
          .catch(() => {
            this.spacing = null;
          });
        this.show(0);
      })
      .catch(() => {
        this.status.textContent = say('failed');
      });
  };

  Pane.prototype.url = function (i) {
    var preset = PRESETS.filter((p) => {
      return p.key === this.preset.value;
    }, this)[0];
    var query = preset && preset.width ? '?window=' + preset.center + ',' + preset.width : '';
    return root + this.images[i] + '/rendered' + query;
  };

  /** Image `i`, fetched once per preset; several at a time, nearest the one shown first. */
  Pane.prototype.load = function (i) {
    if (this.cache[i]) return this.cache[i];
    var img = new Image();
    img.decoding = 'async';
    var entry = { img: img, state: 'loading', waiters: [] };
    this.cache[i] = entry;
    img.onload = function () {
      entry.state = 'ready';
      entry.waiters.forEach((w) => {
        w();
      });
    };
    img.onerror = function () {
      entry.state = 'failed';
      entry.waiters.forEach((w) => {
        w();
      });
    };
    img.src = this.url(i);
    return entry;
  };

  Pane.prototype.prefetch = function () {
    var inFlight = 0;
    Object.keys(this.cache).forEach((k) => {
      if (this.cache[k].state === 'loading') inFlight += 1;
    });
    for (var d = 1; d < this.images.length && inFlight < PREFETCH; d++) {
      var i = this.current + d;
      if (i < this.images.length && !this.cache[i]) {
        var entry = this.load(i);
        entry.waiters.push(this.prefetch.bind(this));
        inFlight += 1;
      }
    }
  };

  Pane.prototype.show = function (i) {
    if (!this.images.length) return;
    i = Math.max(0, Math.min(this.images.length - 1, i));
    this.current = i;
    this.slider.value = String(i + 1);
    var label = say('position', { n: i + 1, total: this.images.length });
    this.status.textContent = label;
    this.stage.setAttribute('aria-label', this.select.options[this.select.selectedIndex].text + ', ' + label);
    var entry = this.load(i);
    if (entry.state === 'loading') {
      entry.waiters.push(() => {
        if (this.current === i) this.draw();
      });
    } else this.draw();
    this.prefetch();
  };

  Pane.prototype.draw = function () {
    var entry = this.cache[this.current];
    var ctx = this.canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!entry || entry.state === 'loading') return;
    if (entry.state === 'failed') {
      this.problem.textContent = '';
      this.problem.appendChild(el('p', { text: say('notRenderable') }));
      this.problem.appendChild(el('p', {}, [el('a', { href: '#records', text: say('download') })]));
      this.problem.removeAttribute('hidden');
      this.canvas.hidden = true;
      this.node.setAttribute('data-viewer-shown', 'failed');
      return;
    }
    this.problem.setAttribute('hidden', 'hidden');
    this.canvas.hidden = false;
    var img = entry.img;
    var fit = Math.min(this.canvas.width / img.naturalWidth, this.canvas.height / img.naturalHeight) * this.zoom;
    this.fit = fit;
    this.originX = (this.canvas.width - img.naturalWidth * fit) / 2 + this.panX;
    this.originY = (this.canvas.height - img.naturalHeight * fit) / 2 + this.panY;
    ctx.imageSmoothingEnabled = fit < 1;
    ctx.drawImage(img, this.originX, this.originY, img.naturalWidth * fit, img.naturalHeight * fit);
    if (this.line) {
      ctx.strokeStyle = '#ffd400';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(this.originX + this.line.a.x * fit, this.originY + this.line.a.y * fit);
      ctx.lineTo(this.originX + this.line.b.x * fit, this.originY + this.line.b.y * fit);
      ctx.stroke();
    }
    this.node.setAttribute('data-viewer-shown', String(this.current + 1));
  };

  Pane.prototype.setZoom = function (zoom) {
    this.zoom = Math.max(0.25, Math.min(16, zoom));
    this.draw();
  };

  /** Where a pointer event falls on the image, in the image's own pixels. */
  Pane.prototype.toImage = function (event) {
    var box = this.canvas.getBoundingClientRect();
    var ratio = this.canvas.width / box.width;
    var x = (event.clientX - box.left) * ratio;
    var y = (event.clientY - box.top) * ratio;
    return { x: (x - (this.originX || 0)) / (this.fit || 1), y: (y - (this.originY || 0)) / (this.fit || 1) };
  };

  Pane.prototype.report = function () {
    var dx = this.line.b.x - this.line.a.x;
    var dy = this.line.b.y - this.line.a.y;
    if (this.spacing) {
      var mm = Math.sqrt(Math.pow(dx * this.spacing.column, 2) + Math.pow(dy * this.spacing.row, 2));
      this.measure.textContent = say('lengthMm', { mm: mm.toFixed(1) });
    } else {
      this.measure.textContent = say('lengthPx', { px: Math.sqrt(dx * dx + dy * dy).toFixed(0) });
    }
  };

  function start(list) {
    series = list;
    app.textContent = '';
    if (!series.length) {
      app.appendChild(el('p', { class: 'muted', text: say('none') }));
      return;
    }
    var panes = el('div', { class: 'viewer__panes' });
    var first = new Pane(0);
    panes.appendChild(first.node);
    var compare = el('button', { type: 'button', class: 'button button--secondary', 'aria-pressed': 'false', text: say('compare') });
    var second = null;
    compare.addEventListener('click', () => {
      if (second) {
        panes.removeChild(second.node);
        second = null;
        compare.setAttribute('aria-pressed', 'false');
        return;
      }
      second = new Pane(1);
      panes.appendChild(second.node);
      compare.setAttribute('aria-pressed', 'true');
      second.select.focus();
    });
    app.appendChild(el('p', {}, [compare]));
    app.appendChild(panes);
    app.appendChild(el('p', { class: 'muted', text: say('keys') }));
    first.select.value = '0';
    void first.open(series[0]);
  }

  getJson('/studies')
    .then((studies) => {
      return Promise.all(
        studies.map((study) => {
          var uid = value(study, '0020000D');
          return getJson('/studies/' + uid + '/series').then((list) => {
            return list.map((s) => {
              return {
                study: uid,
                series: value(s, '0020000E'),
                label: say('seriesLabel', {
                  date: value(study, '00080020').replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3'),
                  study: value(study, '00081030'),
                  series: value(s, '0008103E') || value(s, '00200011'),
                  modality: value(s, '00080060'),
                  count: value(s, '00201209'),
                }),
              };
            });
          });
        }),
      );
    })
    .then((lists) => {
      start([].concat.apply([], lists));
    })
    .catch(() => {
      app.textContent = say('failed');
    });
})();
