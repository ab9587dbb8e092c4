// The people the demo acts as, and tokens for them signed with the token key in the data
// folder (the key `tamga start` creates and every service verifies against). The portal
// issues real tokens to signed-in users; the demo, like a test, mints its own.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Principal } from '@tamga/contracts';
import { PRIVATE_KEY_FILE, createTokenIssuer, issueESignature, loadOrCreateSigningKey } from '@tamga/service-kit';
import { DemoErrors } from './errors.ts';

export type DemoRole = 'technician' | 'analyst' | 'reviewer' | 'librarian';

/** Who does each step: the reviewer is a different person from the analyst, as the lab requires. */
export function demoPeople(lab: string): Record<DemoRole, Principal> {
  return {
    technician: { sub: 'demo-technician', name: 'Dina Technician', roles: ['technician'], lab },
    analyst: { sub: 'demo-analyst', name: 'Arman Analyst', roles: ['analyst'], lab },
    reviewer: { sub: 'demo-reviewer', name: 'Roza Reviewer', roles: ['reviewer'], lab },
    librarian: { sub: 'demo-qa', name: 'Kamila QA Manager', roles: ['qa_manager'], lab },
  };
}

/** Gives a bearer token for a role of the flow. */
export type TokenMinter = (role: DemoRole) => Promise<string>;

/** What an e-signature says: its meaning ("received") and the exact purpose the service expects. */
export interface SignedActText {
  meaning: string;
  purpose: string;
}

/**
 * Gives an e-signature token of a role's person for one act: what the portal's
 * POST /v1/e-signatures returns once the person re-enters their password.
 */
export type ESigner = (role: DemoRole, act: SignedActText) => Promise<string>;

export interface DemoCredentials {
  people: Record<DemoRole, Principal>;
  token: TokenMinter;
  eSign: ESigner;
}

/**
 * Mints tokens with the private key in `keysDir` (issuer 'tamga-portal', audience 'tamga').
 * Refuses when the key is absent rather than creating one the running services do not know.
 */
export async function demoCredentials(options: {
  keysDir: string;
  lab: string;
  ttlSeconds?: number;
}): Promise<DemoCredentials> {
  if (!existsSync(join(options.keysDir, PRIVATE_KEY_FILE))) {
    throw DemoErrors.DEMO_ERR_NO_TOKEN_KEY(
      `no ${PRIVATE_KEY_FILE} in ${options.keysDir}; start the system with \`tamga start\` (same --data) first`,
    );
  }
  const key = await loadOrCreateSigningKey(options.keysDir);
  const issuer = createTokenIssuer({
    privateKey: key.privateKey,
    kid: key.kid,
    issuer: 'tamga-portal',
    audience: 'tamga',
    ttlSeconds: options.ttlSeconds ?? 900,
  });
  const people = demoPeople(options.lab);
  // The demo people are not portal accounts, so their e-signatures are signed here with the
  // portal's key, as the portal would after checking the password.
  const eSign: ESigner = (role, act) => {
    const p = people[role];
    const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    return issueESignature(
      { sub: p.sub, printedName: p.name, time, lab: options.lab, ...act },
      { privateKey: key.privateKey, kid: key.kid, issuer: 'tamga-portal' },
    );
  };
  return { people, token: (role) => issuer.issue(people[role]), eSign };
}
