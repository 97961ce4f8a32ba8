import { normalizeHost } from './tenant-resolution.middleware';

describe('normalizeHost', () => {
  it.each([
    ['Lakeshore.LOCALHOST:3000', 'lakeshore.localhost'],
    ['meridian.localhost', 'meridian.localhost'],
    ['secondopinion.example.org.', 'secondopinion.example.org'],
    ['a.example, b.example', 'a.example'],
    ['[::1]:3000', '[::1]'],
    [undefined, ''],
  ])('%s -> %s', (raw, host) => expect(normalizeHost(raw)).toBe(host));
});
