// First start: an administrator and one demo user per role (two investigators of two
// agencies), each with a random password that is printed once and written to
// DATA_DIR/initial-passwords.txt (0600). Nothing is seeded when any user exists.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Role } from '@tamga/contracts';
import type { DocumentStore } from '@tamga/store';
import type { UserRecord } from '../domain/accounts.ts';
import { hashPassword, randomPassword } from '../domain/passwords.ts';
import type { ScryptParams } from '../domain/passwords.ts';
import { agenciesCollection, usersCollection } from '../store/collections.ts';
import { createUserRepository, writeAudit } from '../store/users.ts';

export interface SeedUser {
  username: string;
  name: string;
  roles: Role[];
  agencyId?: string;
}

export const DEMO_AGENCIES = [
  { agencyId: 'police-central', name: 'Central Police Department', kind: 'police' },
  { agencyId: 'customs-east', name: 'Eastern Customs Service', kind: 'customs' },
] as const;

export const DEMO_USERS: readonly SeedUser[] = [
  { username: 'admin', name: 'Administrator', roles: ['admin'] },
  { username: 'technician', name: 'Tanya Technician', roles: ['technician'] },
  { username: 'analyst', name: 'Arman Analyst', roles: ['analyst'] },
  { username: 'reviewer', name: 'Rustam Reviewer', roles: ['reviewer'] },
  { username: 'qa.manager', name: 'Qamila QA Manager', roles: ['qa_manager', 'reviewer'] },
  { username: 'investigator.police', name: 'Ivan Investigator', roles: ['investigator'], agencyId: 'police-central' },
  { username: 'investigator.customs', name: 'Irina Investigator', roles: ['investigator'], agencyId: 'customs-east' },
];

export interface SeededUser extends SeedUser {
  id: string;
  password: string;
}

export interface SeedOptions {
  store: DocumentStore;
  scrypt: ScryptParams;
  now: Date;
  /** Only the admin when false. */
  demo: boolean;
}

/** Creates the first users when there are none; returns them with their passwords (once). */
export async function seedFirstUsers(options: SeedOptions): Promise<SeededUser[]> {
  const { store, now } = options;
  if ((await store.collection(usersCollection).count({})) > 0) return [];
  const users = createUserRepository(store);
  const wanted = options.demo ? DEMO_USERS : DEMO_USERS.filter((u) => u.roles.includes('admin'));
  if (options.demo) {
    await store.transaction(async (tx) => {
      const col = tx.collection(agenciesCollection);
      for (const a of DEMO_AGENCIES) {
        if ((await col.get(a.agencyId)) !== undefined) continue;
        const record = { name: a.name, kind: a.kind, createdAt: now.toISOString() };
        await col.insert({ _id: a.agencyId, ...record });
        await writeAudit(tx, { actor: 'system:seed', action: 'agency.created', now, target: `agency:${a.agencyId}`, after: record });
      }
    });
  }
  const seeded: SeededUser[] = [];
  for (const u of wanted) {
    const password = randomPassword();
    const record: UserRecord = {
      username: u.username,
      name: u.name,
      roles: u.roles,
      ...(u.agencyId === undefined ? {} : { agencyId: u.agencyId }),
      disabled: false,
      failedAttempts: 0,
      passwordHash: await hashPassword(password, options.scrypt),
      mustChangePassword: false,
      passwordChangedAt: now.toISOString(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const id = randomUUID();
    await users.create(id, record, { actor: 'system:seed', action: 'user.created', now });
    seeded.push({ ...u, id, password });
  }
  return seeded;
}

/** The printed list: one line per user. */
export function formatInitialPasswords(users: readonly SeededUser[]): string {
  const width = Math.max(...users.map((u) => u.username.length));
  const lines = users.map((u) => `${u.username.padEnd(width)}  ${u.password}  (${u.roles.join(', ')}${u.agencyId === undefined ? '' : `; agency ${u.agencyId}`})`);
  return `Tamga initial users (shown once; change these passwords after signing in):\n${lines.join('\n')}\n`;
}

export async function writeInitialPasswords(file: string, users: readonly SeededUser[]): Promise<void> {
  await writeFile(file, formatInitialPasswords(users), { mode: 0o600, flag: 'wx' });
}
