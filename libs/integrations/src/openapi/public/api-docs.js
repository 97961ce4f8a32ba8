// Starts Swagger UI on the page /api/docs serves. A file of our own rather than an inline script, so the page runs
// under the platform's Content-Security-Policy (script-src 'self'); every asset comes from this host.
(function () {
  'use strict';
  function start() {
    var root = document.getElementById('swagger-ui');
    if (!root || typeof window.SwaggerUIBundle !== 'function') return;
    window.SwaggerUIBundle({
      url: root.getAttribute('data-spec'),
      domNode: root,
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: 'BaseLayout',
      // The default asks validator.swagger.io for a badge: a third-party host, refused by the CSP anyway.
      validatorUrl: null,
      tryItOutEnabled: false,
      persistAuthorization: false,
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
