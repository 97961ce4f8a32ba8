import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readDockerfile, Stage } from '../support/dockerfile';

/**
 * What the image must be, checked by reading deploy/Dockerfile: no Docker engine runs on this machine (and hadolint
 * is not packaged for Debian), so `docker build` cannot prove it here. The image-smoke suite runs the same files the
 * final stage copies, through the same entry point.
 */
const root = path.resolve(__dirname, '../..');
const { args, stages } = readDockerfile(path.join(root, 'deploy/Dockerfile'));
const final = stages[stages.length - 1];
const stage = (name: string) => stages.find((s) => s.name === name)!;
const all = (s: Stage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword);
const runs = (s: Stage) =>
  all(s, 'RUN')
    .map((i) => i.args)
    .join('\n');

describe('deploy/Dockerfile', () => {
  it('is multi-stage on Node 24 LTS, Debian 12 slim', () => {
    expect(stages.map((s) => s.name)).toEqual(['base', 'build', 'prod-deps', 'runtime']);
    expect(stages[0].base).toBe('node:${NODE_VERSION}-bookworm-slim');
    expect(args.NODE_VERSION).toMatch(/^24(\.\d+)*$/);
    for (const s of stages.slice(1)) expect(s.base).toBe('base');
  });

  it('builds with every dependency, and ships production dependencies installed fresh', () => {
    expect(runs(stage('build'))).toMatch(/npm ci(\s|$)/);
    expect(runs(stage('build'))).toContain('npm run build');
    expect(runs(stage('prod-deps'))).toContain('npm ci --omit=dev');
    const copies = all(final, 'COPY');
    expect(copies.find((c) => c.words[0] === '/app/node_modules')?.flags.from).toBe('prod-deps');
    expect(copies.find((c) => c.words[0] === '/app/dist')?.flags.from).toBe('build');
    expect(runs(final)).not.toMatch(/npm (ci|install)/);
  });

  it('gives the build stage everything scripts/build.mjs compiles', () => {
    // The build compiles the projects nest-cli.json names (their top folders) and migrations/.
    const nest = JSON.parse(readFileSync(path.join(root, 'nest-cli.json'), 'utf8')) as { projects: Record<string, { root: string }> };
    const sources = [...new Set(Object.values(nest.projects).map((p) => p.root.split('/')[0])), 'migrations'];
    expect(readFileSync(path.join(root, 'scripts/build.mjs'), 'utf8')).toContain("'nest-cli.json'");
    const copied = all(stage('build'), 'COPY').flatMap((c) => c.words.slice(0, -1));
    for (const needed of [...sources, 'scripts', 'tsconfig.json', '.swcrc', 'nest-cli.json', 'package.json', 'package-lock.json'])
      expect(copied).toContain(needed);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    for (const s of stages) {
      for (const copy of all(s, 'COPY').filter((c) => !c.flags.from)) {
        for (const source of copy.words.slice(0, -1)) {
          expect(existsSync(path.join(root, source))).toBe(true);
          expect(ignored).not.toContain(source);
        }
      }
    }
    for (const needed of ['.git', '**/node_modules', 'dist', '.data', '.env', '.env.*', 'test', 'coverage'])
      expect(ignored).toContain(needed);
  });

  it('runs as an unprivileged user, under an init that forwards signals, choosing the process by argument', () => {
    const users = all(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1].words[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(runs(final)).toMatch(/apt-get install -y --no-install-recommends tini/);
    const entrypoint = all(final, 'ENTRYPOINT').pop()!.words;
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(all(final, 'CMD').pop()!.words).toEqual(['platform']);
    const script = all(final, 'COPY').find((c) => c.words[c.words.length - 1] === entrypoint[2])!;
    expect(script.flags.chmod).toBe('755');
    const file = path.join(root, script.words[0]);
    expect(readFileSync(file, 'utf8')).toMatch(/^#!\/bin\/sh\n/);
    accessSync(file, constants.X_OK);
    expect(statSync(file).mode & 0o111).toBe(0o111);
    expect(spawnSync('sh', ['-n', file]).status).toBe(0);
  });

  it('listens on 3000 and checks its health with node against /health/live', () => {
    expect(all(final, 'EXPOSE').map((e) => e.words[0])).toEqual(['3000']);
    const health = all(final, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    const cmd = health[0].words.slice(health[0].words.indexOf('CMD') + 1);
    expect(JSON.parse(cmd.join(' '))[0]).toBe('node');
    const copied = all(final, 'COPY').find((c) => c.words[c.words.length - 1] === JSON.parse(cmd.join(' '))[1])!;
    expect(readFileSync(path.join(root, copied.words[0]), 'utf8')).toContain("'/health/live'");
  });

  it('keeps secrets out: no credential in ENV, ARG or URLs, nothing copied from .env', () => {
    for (const s of stages) {
      for (const ins of s.instructions) {
        if (ins.keyword === 'ENV' || ins.keyword === 'ARG') expect(ins.args).not.toMatch(/SECRET|PASSWORD|TOKEN|_KEY|DATABASE_URL/i);
        expect(ins.args).not.toMatch(/[a-z]+:\/\/[^/\s:@]+:[^/\s@]+@/);
        if (ins.keyword === 'COPY' || ins.keyword === 'ADD') expect(ins.args).not.toMatch(/\.env\b/);
      }
    }
    expect(stages.flatMap((s) => all(s, 'ADD'))).toEqual([]);
  });

  it('keeps the demo runnable: tenants/ and package.json (the project root marker) are in the image', () => {
    const copies = all(final, 'COPY').map((c) => c.words.join(' '));
    expect(copies).toContain('package.json ./');
    expect(copies).toContain('tenants ./tenants');
    expect(runs(final)).toMatch(/mkdir -p \/app\/\.data && chown node:node \/app\/\.data/);
  });
});
