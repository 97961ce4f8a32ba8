import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../libs/core/src/config/config.schema';

/** An operator configures Consilium from the README's table: every variable the platform reads must be in it. */
describe("README's configuration table", () => {
  it('documents every environment variable of the config schema', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const documented = new Set(
      [...table.matchAll(/^\|([^|]+)\|/gm)].flatMap((m) => [...m[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((v) => v[1])),
    );
    expect(Object.keys(configSchema.shape).filter((key) => !documented.has(key))).toEqual([]);
  });
});
