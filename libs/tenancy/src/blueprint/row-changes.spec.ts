import { changedFields, describeFields } from './row-changes';

describe('row changes', () => {
  it('compares as stored JSON: absent equals undefined equals null, key order does not matter', () => {
    expect(changedFields({ a: 1, b: null, c: { x: 1, y: [1, 2] } }, { a: 1, b: undefined, c: { y: [1, 2], x: 1 } })).toEqual([]);
    expect(changedFields({ a: 1, c: { x: 1 } }, { a: 2, c: { x: 1, z: 0 } })).toEqual(['a', 'c']);
  });

  it('says what changed in the words of the change list', () => {
    expect(describeFields({ priceMinor: 50000, name: { en: 'A' } }, { priceMinor: 55000, name: { en: 'B' } }, ['priceMinor', 'name'])).toBe(
      'price_minor 50000 -> 55000, name',
    );
  });
});
