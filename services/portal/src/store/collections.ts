// The portal's collections. Users keep every earlier version (the audit trail of who changed
// what); sessions are short-lived and keep none.
import { defineCollection } from '@tamga/store';
import type { AgencyRecord, UserRecord } from '../domain/accounts.ts';

export const usersCollection = defineCollection<UserRecord>({
  name: 'users',
  indexes: [{ fields: ['username'], unique: true }],
});

export const agenciesCollection = defineCollection<AgencyRecord>({ name: 'agencies' });

/** A sign-in session: `_id` is the SHA-256 of the refresh cookie, never the cookie itself. */
export interface SessionRecord {
  userId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string | undefined;
}
export const sessionsCollection = defineCollection<SessionRecord>({
  name: 'sessions',
  indexes: [{ fields: ['userId'] }],
  keepVersions: false,
});

/** Who did what to whom, when, with the record before and after (password hashes removed). */
export interface AuditRecord {
  at: string;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}
export const auditCollection = defineCollection<AuditRecord>({
  name: 'audit',
  indexes: [{ fields: ['target'] }, { fields: ['at'] }],
  keepVersions: false,
});

export const PORTAL_COLLECTIONS = [usersCollection, agenciesCollection, sessionsCollection, auditCollection];
