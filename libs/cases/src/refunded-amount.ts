/** The amount a refund event carries (billing writes it), for the patient's email; nothing when it does not. */
export function refundedOf(data: Record<string, unknown> | undefined): { amount?: number; currency?: string } {
  const amount = data?.amount;
  const currency = data?.currency;
  return typeof amount === 'number' &&
    Number.isInteger(amount) &&
    amount >= 0 &&
    typeof currency === 'string' &&
    /^[A-Z]{3}$/.test(currency)
    ? { amount, currency }
    : {};
}
