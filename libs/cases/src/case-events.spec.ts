import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CASE_EVENT_TYPES, EVENT_ACTOR_KINDS, eventWords } from './case-events';

const LIBS = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'node_modules' ? [] : sources(file);
    return file.endsWith('.ts') && !file.endsWith('.spec.ts') ? [file] : [];
  });
}

/** The event types the code writes: `pipeline.record(…, { type: 'x' })`, `pipeline.create(…)`, billing's helper. */
function recordedTypes(): Set<string> {
  const found = new Set<string>();
  for (const file of sources(LIBS)) {
    const text = readFileSync(file, 'utf8');
    for (const call of text.matchAll(/pipeline\.(?:record|create)\(/g)) {
      const type = /type: '([a-z_]+)'/.exec(text.slice(call.index, call.index + 400));
      if (type) found.add(type[1]);
    }
    for (const call of text.matchAll(/this\.record\(tx, \w+, '([a-z_]+)'/g)) found.add(call[1]);
  }
  return found;
}

describe('the case history’s words', () => {
  const en = JSON.parse(readFileSync(path.join(__dirname, 'views', 'i18n', 'en.json'), 'utf8')) as {
    events: Record<string, string>;
    actorKind: Record<string, string>;
  };

  it('has a message for every event type and every kind of actor (the catalog test checks es and fr)', () => {
    expect(CASE_EVENT_TYPES.filter((t) => !en.events[t])).toEqual([]);
    expect(EVENT_ACTOR_KINDS.filter((k) => !en.actorKind[k])).toEqual([]);
    expect(Object.keys(en.events).filter((t) => !CASE_EVENT_TYPES.includes(t))).toEqual([]);
  });

  it('knows every event type the code records', () => {
    const recorded = recordedTypes();
    expect(recorded.size).toBeGreaterThan(20);
    expect([...recorded].filter((t) => !CASE_EVENT_TYPES.includes(t))).toEqual([]);
  });

  it('shows an unknown type or actor as its code rather than a missing message', () => {
    expect(eventWords({ type: 'submit', actorKind: 'system' })).toEqual({
      eventKey: 'cases.events.submit',
      actorKey: 'cases.actorKind.system',
    });
    expect(eventWords({ type: 'teleported', actorKind: 'robot' })).toEqual({ eventKey: null, actorKey: null });
  });
});
