import { applyFact, PaymentFact, PaymentFacts, statusOf } from './payment-status';

const EMPTY: PaymentFacts = {
  authorizedMinor: 0,
  capturedMinor: 0,
  refundedMinor: 0,
  authorizedAt: null,
  capturedAt: null,
  releasedAt: null,
  failedAt: null,
  disputedAt: null,
};
const t = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s));

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('payment facts', () => {
  const story: PaymentFact[] = [
    { kind: 'failed', code: 'card_declined', at: t(1) },
    { kind: 'authorized', amountMinor: 60000, at: t(2) },
    { kind: 'captured', amountMinor: 60000, at: t(3) },
    { kind: 'refunded', totalRefundedMinor: 15000, at: t(4) },
    { kind: 'refunded', totalRefundedMinor: 60000, at: t(5) },
  ];

  it('end in the same facts whatever the order and however often each arrives', () => {
    const expected = story.reduce(applyFact, EMPTY);
    for (const order of permutations(story)) expect([...order, ...order.slice(0, 2)].reduce(applyFact, EMPTY)).toEqual(expected);
    expect(statusOf(expected)).toBe('refunded');
    expect(expected).toMatchObject({ authorizedAt: t(2), capturedAt: t(3), capturedMinor: 60000, refundedMinor: 60000 });
  });

  it('only move forward: a late authorization or cancel does not undo a capture', () => {
    const captured = applyFact(EMPTY, { kind: 'captured', amountMinor: 500, at: t(3) });
    expect(statusOf(captured)).toBe('captured');
    expect(captured.authorizedMinor).toBe(500);
    expect(statusOf(applyFact(captured, { kind: 'released', at: t(9) }))).toBe('captured');
    expect(statusOf(applyFact(captured, { kind: 'refunded', totalRefundedMinor: 100, at: t(4) }))).toBe('partially_refunded');
  });

  it('read a release of an authorization as released, a lone failure as failed, a dispute above all', () => {
    const authorized = applyFact(EMPTY, { kind: 'authorized', amountMinor: 10, at: t(1) });
    expect(statusOf(applyFact(authorized, { kind: 'released', at: t(2) }))).toBe('released');
    expect(statusOf(applyFact(EMPTY, { kind: 'failed', code: 'x', at: t(1) }))).toBe('failed');
    expect(statusOf(applyFact(authorized, { kind: 'failed', code: 'x', at: t(3) }))).toBe('authorized');
    expect(
      statusOf(applyFact(applyFact(authorized, { kind: 'captured', amountMinor: 10, at: t(2) }), { kind: 'disputed', at: t(4) })),
    ).toBe('disputed');
  });
});
