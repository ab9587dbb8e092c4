import { describe, expect, it } from 'vitest';
import { decideSignIn, passwordPolicyErrors, userShapeErrors } from './accounts.ts';
import type { UserRecord } from './accounts.ts';

const now = new Date('2026-03-01T10:00:00.000Z');
const policy = { threshold: 5, lockMinutes: 15 };
const user: UserRecord = {
  username: 'ann',
  name: 'Ann Analyst',
  roles: ['analyst'],
  disabled: false,
  failedAttempts: 0,
  passwordHash: 'x',
  mustChangePassword: false,
  passwordChangedAt: now.toISOString(),
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
};

describe('decideSignIn', () => {
  const table: Array<[string, UserRecord, boolean, string, Partial<UserRecord>]> = [
    ['right password signs in and clears failures', { ...user, failedAttempts: 3 }, true, 'ok', { failedAttempts: 0, lockedUntil: undefined, lastSignInAt: now.toISOString() }],
    ['wrong password counts a failure', { ...user, failedAttempts: 1 }, false, 'bad_password', { failedAttempts: 2, lockedUntil: undefined }],
    ['fifth failure locks for the lock period', { ...user, failedAttempts: 4 }, false, 'locked', { failedAttempts: 0, lockedUntil: '2026-03-01T10:15:00.000Z' }],
    ['a locked account refuses the right password and counts nothing', { ...user, lockedUntil: '2026-03-01T10:05:00.000Z' }, true, 'locked', {}],
    ['an expired lock no longer refuses', { ...user, lockedUntil: '2026-03-01T09:59:59.000Z' }, true, 'ok', { failedAttempts: 0, lockedUntil: undefined, lastSignInAt: now.toISOString() }],
    ['a disabled account is refused after the password check', { ...user, disabled: true }, true, 'disabled', {}],
    ['a disabled account with a wrong password still counts the failure', { ...user, disabled: true }, false, 'bad_password', { failedAttempts: 1, lockedUntil: undefined }],
  ];
  it.each(table)('%s', (_name, given, passwordOk, outcome, patch) => {
    const decision = decideSignIn(given, passwordOk, now, policy);
    expect(decision.outcome).toBe(outcome);
    expect(decision.patch).toEqual(patch);
  });
});

describe('password policy', () => {
  it('refuses short passwords and ones containing the username', () => {
    expect(passwordPolicyErrors('short', { username: 'ann', name: 'Ann', field: 'body.newPassword' })).toEqual([
      { field: 'body.newPassword', message: 'must be at least 12 characters' },
    ]);
    expect(passwordPolicyErrors('my-ann-password-2026', { username: 'ann', name: 'Ann', field: 'f' }).map((e) => e.message)).toEqual([
      'must not contain the username',
    ]);
    expect(passwordPolicyErrors('correct horse battery', { username: 'ann', name: 'Ann', field: 'f' })).toEqual([]);
  });
});

describe('user shape', () => {
  it('requires an agency for investigators and refuses one for lab staff', () => {
    expect(userShapeErrors(['investigator'], undefined)[0]?.field).toBe('body.agencyId');
    expect(userShapeErrors(['investigator'], 'police-1')).toEqual([]);
    expect(userShapeErrors(['analyst'], 'police-1')[0]?.field).toBe('body.agencyId');
    expect(userShapeErrors(['investigator', 'analyst'], 'police-1')[0]?.field).toBe('body.roles');
  });
});
