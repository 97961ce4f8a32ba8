import { checkEmailData, EMAIL_TEMPLATES, InvalidEmailData } from './email-catalog';

const CASE = '3b241101-e2bb-4255-8caf-4136c566a962';
const TOKEN = 'q3Jd9xT0aZ7cK2mV8pL5wR1yN6bF4hG0sE_-uI';

describe('email catalogue', () => {
  it('builds each link from ids and tokens, on fixed portal paths', () => {
    expect(checkEmailData('password-reset', { token: TOKEN, expiresInMinutes: 30 }).path).toBe(`/reset-password/${TOKEN}`);
    expect(checkEmailData('password-reset', { token: TOKEN, expiresInMinutes: 30, audience: 'staff' }).path).toBe(
      `/console/reset-password/${TOKEN}`,
    );
    expect(checkEmailData('magic-link', { token: TOKEN, expiresInMinutes: 15 }).path).toBe(`/sign-in/link/${TOKEN}`);
    expect(checkEmailData('staff-invitation', { token: TOKEN, expiresInMinutes: 10080 }).path).toBe(`/console/invitation/${TOKEN}`);
    expect(checkEmailData('sign-in-failures', { audience: 'staff' }).path).toBe('/console/forgot-password');
    expect(checkEmailData('new-message', { caseId: CASE }).path).toBe(`/account/cases/${CASE}`);
    expect(checkEmailData('new-message', { caseId: CASE, audience: 'staff' }).path).toBe(`/console/cases/${CASE}`);
    expect(checkEmailData('opinion-ready', { caseId: CASE }).path).toBe(`/account/cases/${CASE}/opinion`);
  });

  it.each([
    ['new-message', { caseId: CASE, diagnosis: 'glioblastoma' }, ['diagnosis']],
    ['opinion-ready', { caseId: 'oncology-second-opinion' }, ['caseId']],
    ['password-reset', { token: 'short', expiresInMinutes: 30 }, ['token']],
    ['staff-invitation', { token: TOKEN, role: 'oncologist', expiresInMinutes: 60 }, ['role']],
    ['case-status-changed', { caseId: CASE, status: 'declined: tumour too advanced' }, ['status']],
  ])('refuses %s data it does not list, naming fields and never values', (template, data, fields) => {
    let error: unknown;
    try {
      checkEmailData(template, data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEmailData);
    expect((error as InvalidEmailData).fields).toEqual(fields);
    expect((error as Error).message).not.toMatch(/glioblastoma|oncolog|tumour|short/);
  });

  it('has no free-text field in any message', () => {
    for (const template of EMAIL_TEMPLATES) {
      expect(() => checkEmailData(template, { note: 'free text' })).toThrow(InvalidEmailData);
    }
  });
});
