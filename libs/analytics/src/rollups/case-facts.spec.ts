import { caseFactsSelect, MEASURE_COLUMNS } from './case-facts.sql';

describe('case facts', () => {
  it('select the measures in the order the rollups insert them', () => {
    const select = caseFactsSelect('cases c');
    const outer = select.slice(0, select.indexOf('FROM cases c'));
    const aliases = [...outer.matchAll(/ AS ([a-z_0-9]+)(,|\s*$)/g)].map((m) => m[1]);
    expect(aliases.slice(aliases.indexOf('turnaround_hours') + 1)).toEqual([...MEASURE_COLUMNS]);
  });
});
