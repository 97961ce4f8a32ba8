// The image's HEALTHCHECK: node only (the slim base has no curl or wget), no dependencies.
// Which process the container runs is read from PID 1's arguments (tini -- consilium <role>), because a health
// check runs with the image's environment, not the entry point's. The platform must answer /health/live on PORT,
// the worker on WORKER_PORT (its small probe listener); the CLI has no listener: while it runs, tini runs, and when
// it exits the container stops.
'use strict';
const http = require('node:http');
const { readFileSync } = require('node:fs');

const ROLES = ['platform', 'worker', 'cli'];

/** The first known role among PID 1's arguments; `platform` (the image's default command) when none is found. */
function roleOf(cmdline) {
  const args = cmdline.split('\0').filter(Boolean);
  return args.find((a) => ROLES.includes(a)) ?? 'platform';
}

function live(port, host) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/health/live', timeout: 2500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function main() {
  let role = process.argv[2];
  if (!role) {
    try {
      role = roleOf(readFileSync('/proc/1/cmdline', 'utf8'));
    } catch {
      role = 'platform';
    }
  }
  if (role === 'cli') return 0;
  const port = role === 'worker' ? Number(process.env.WORKER_PORT || 3001) : Number(process.env.PORT || 3000);
  const bound = process.env.HOST;
  const host = !bound || bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
  return (await live(port, host)) ? 0 : 1;
}

if (require.main === module) main().then((code) => process.exit(code));
module.exports = { roleOf };
