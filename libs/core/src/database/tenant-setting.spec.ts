import { InvalidTenantId, setTenantStatement } from './tenant-setting';

describe('setTenantStatement', () => {
  it('writes SET LOCAL with the id as a literal (Citus forwards it to workers; a bind parameter is not allowed there)', () => {
    expect(setTenantStatement('0D9A1C2E-3B4F-4A5B-8C6D-7E8F9A0B1C2D')).toBe(
      "SET LOCAL app.tenant_id = '0d9a1c2e-3b4f-4a5b-8c6d-7e8f9a0b1c2d'",
    );
  });

  it.each([
    ["0d9a1c2e-3b4f-4a5b-8c6d-7e8f9a0b1c2d'; RESET ROLE; --"],
    ["x' OR '1'='1"],
    ['0d9a1c2e3b4f4a5b8c6d7e8f9a0b1c2d'],
    [' 0d9a1c2e-3b4f-4a5b-8c6d-7e8f9a0b1c2d'],
    ['0d9a1c2e-3b4f-4a5b-8c6d-7e8f9a0b1c2d\n'],
    ['0d9a1c2e-3b4f-4a5b-8c6d-7e8f9a0b1c2g'],
    [''],
  ])('refuses %j, and keeps the value out of the message', (bad) => {
    expect(() => setTenantStatement(bad)).toThrow(InvalidTenantId);
    try {
      setTenantStatement(bad);
    } catch (e) {
      if (bad) expect((e as Error).message).not.toContain(bad.trim());
    }
  });

  it('refuses a value that is not a string at all', () => {
    expect(() => setTenantStatement(undefined as unknown as string)).toThrow(InvalidTenantId);
    expect(() => setTenantStatement(42 as unknown as string)).toThrow(InvalidTenantId);
  });
});
