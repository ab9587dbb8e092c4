// Accounts: the user record and the pure rules of sign-in (lockout) and password policy; the
// HTTP bodies are in @tamga/contracts. No clock, store or framework here: callers pass `now`.
import type { FieldError, Principal, Role } from '@tamga/contracts';

/** A stored user. `passwordHash` never leaves the portal. */
export interface UserRecord {
  username: string;
  name: string;
  roles: Role[];
  /** Investigators only: the agency whose cases and reports they may see. */
  agencyId?: string | undefined;
  disabled: boolean;
  /** Consecutive failed sign-ins since the last success or lock. */
  failedAttempts: number;
  /** ISO time until which sign-in is refused. */
  lockedUntil?: string | undefined;
  passwordHash: string;
  /** Set for a printed initial or reset password: the UI asks for a new one. */
  mustChangePassword: boolean;
  passwordChangedAt: string;
  createdAt: string;
  updatedAt: string;
  lastSignInAt?: string | undefined;
}

export interface AgencyRecord {
  name: string;
  kind: string;
  createdAt: string;
}

/** What the API shows of a user. */
export function userView(id: string, u: UserRecord) {
  return {
    id,
    username: u.username,
    name: u.name,
    roles: u.roles,
    agencyId: u.agencyId ?? null,
    disabled: u.disabled,
    lockedUntil: u.lockedUntil ?? null,
    failedAttempts: u.failedAttempts,
    mustChangePassword: u.mustChangePassword,
    createdAt: u.createdAt,
    lastSignInAt: u.lastSignInAt ?? null,
  };
}
export type UserView = ReturnType<typeof userView>;

export function principalOf(id: string, u: UserRecord, lab: string): Principal {
  return {
    sub: id,
    name: u.name,
    roles: u.roles,
    lab,
    ...(u.roles.includes('investigator') && u.agencyId !== undefined ? { agencyId: u.agencyId } : {}),
  };
}

/** Investigators must belong to an agency; lab staff must not (their scope is every agency). */
export function userShapeErrors(roles: readonly Role[], agencyId: string | undefined): FieldError[] {
  const investigator = roles.includes('investigator');
  if (investigator && roles.length > 1) {
    return [{ field: 'body.roles', message: 'an investigator cannot also hold laboratory roles' }];
  }
  if (investigator && agencyId === undefined) return [{ field: 'body.agencyId', message: 'is required for an investigator' }];
  if (!investigator && agencyId !== undefined) return [{ field: 'body.agencyId', message: 'is only for investigators' }];
  return [];
}

export interface LockoutPolicy {
  /** Failed attempts in a row that lock the account (default 5). */
  threshold: number;
  lockMinutes: number;
}

export type SignInOutcome = 'ok' | 'bad_password' | 'locked' | 'disabled';

export interface SignInDecision {
  outcome: SignInOutcome;
  /** The fields of the user record to change (empty when nothing changes). */
  patch: Partial<Pick<UserRecord, 'failedAttempts' | 'lockedUntil' | 'lastSignInAt'>>;
}

export function isLocked(u: Pick<UserRecord, 'lockedUntil'>, now: Date): boolean {
  return u.lockedUntil !== undefined && Date.parse(u.lockedUntil) > now.getTime();
}

/**
 * Decides a sign-in attempt once the password was checked. A locked account refuses even the
 * right password and does not count the attempt; the attempt that reaches the threshold locks.
 */
export function decideSignIn(u: UserRecord, passwordOk: boolean, now: Date, policy: LockoutPolicy): SignInDecision {
  if (isLocked(u, now)) return { outcome: 'locked', patch: {} };
  if (!passwordOk) {
    const failed = u.failedAttempts + 1;
    if (failed >= policy.threshold) {
      return {
        outcome: 'locked',
        patch: { failedAttempts: 0, lockedUntil: new Date(now.getTime() + policy.lockMinutes * 60_000).toISOString() },
      };
    }
    return { outcome: 'bad_password', patch: { failedAttempts: failed, lockedUntil: undefined } };
  }
  if (u.disabled) return { outcome: 'disabled', patch: {} };
  return { outcome: 'ok', patch: { failedAttempts: 0, lockedUntil: undefined, lastSignInAt: now.toISOString() } };
}

export const MIN_PASSWORD_LENGTH = 12;

/** NIST SP 800-63B style: length over composition rules; no username; not the same again. */
export function passwordPolicyErrors(password: string, context: { username: string; name: string; field: string }): FieldError[] {
  const errors: string[] = [];
  if ([...password].length < MIN_PASSWORD_LENGTH) errors.push(`must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const lower = password.toLowerCase();
  if (lower.includes(context.username.toLowerCase())) errors.push('must not contain the username');
  if (/^(.)\1*$/.test(password)) errors.push('must not repeat one character');
  return errors.map((message) => ({ field: context.field, message }));
}
