// Checking a password against a user, applying the lockout rule and recording the attempt.
// Used by sign-in and by the e-signature step, so re-entering a password for a signature is
// subject to the same lockout as signing in.
import type { Stored } from '@tamga/store';
import { decideSignIn } from '../domain/accounts.ts';
import type { LockoutPolicy, UserRecord } from '../domain/accounts.ts';
import { portalErrors } from '../domain/errors.ts';
import { hashPassword, verifyPassword } from '../domain/passwords.ts';
import type { ScryptParams } from '../domain/passwords.ts';
import type { UserRepository } from '../store/users.ts';

export interface CredentialDeps {
  users: UserRepository;
  lockout: LockoutPolicy;
  scrypt: ScryptParams;
  now: () => Date;
}

/** Hashed once per process: unknown usernames cost the same scrypt work as known ones. */
const decoyHashes = new WeakMap<CredentialDeps, Promise<string>>();
function decoyHash(deps: CredentialDeps): Promise<string> {
  let hash = decoyHashes.get(deps);
  if (hash === undefined) {
    hash = hashPassword('decoy password that matches nothing', deps.scrypt);
    decoyHashes.set(deps, hash);
  }
  return hash;
}

// The same answer for an unknown user and a wrong password: nothing tells which it was.
function badCredentials() {
  return portalErrors.PORTAL_ERR_BAD_CREDENTIALS(undefined, { errors: [{ field: 'body.password', message: 'the username or password is wrong' }] });
}

/**
 * Returns the user when `password` is theirs and the account may sign in; otherwise records
 * the failure and throws PORTAL_ERR_BAD_CREDENTIALS, PORTAL_ERR_LOCKED or PORTAL_ERR_DISABLED.
 */
export async function checkCredentials(
  deps: CredentialDeps,
  who: { username: string } | { userId: string },
  password: string,
  action: string,
): Promise<Stored<UserRecord>> {
  const user = 'userId' in who ? await deps.users.get(who.userId) : await deps.users.findByUsername(who.username);
  if (user === undefined) {
    await verifyPassword(password, await decoyHash(deps));
    throw badCredentials();
  }
  const passwordOk = await verifyPassword(password, user.passwordHash);
  const now = deps.now();
  const decision = decideSignIn(user, passwordOk, now, deps.lockout);
  let current: Stored<UserRecord> = user;
  if (Object.keys(decision.patch).length > 0) {
    current = await deps.users.update(user._id, (u) => ({ ...u, ...decision.patch }), {
      actor: `user:${user._id}`,
      action: `${action}.${decision.outcome}`,
      now,
    });
  }
  switch (decision.outcome) {
    case 'ok':
      return current;
    case 'bad_password':
      throw badCredentials();
    case 'locked':
      throw portalErrors.PORTAL_ERR_LOCKED(
        `too many failed attempts; the account is locked until ${current.lockedUntil ?? 'an administrator unlocks it'}`,
      );
    case 'disabled':
      throw portalErrors.PORTAL_ERR_DISABLED();
  }
}
