// User repository: every change goes through one transaction with its audit record.
import { randomUUID } from 'node:crypto';
import { isDomainError } from '@tamga/contracts';
import type { DocumentStore, Stored, Transaction } from '@tamga/store';
import type { UserRecord } from '../domain/accounts.ts';
import { portalErrors } from '../domain/errors.ts';
import { auditCollection, usersCollection } from './collections.ts';

function redacted(u: UserRecord | undefined): Omit<UserRecord, 'passwordHash'> | undefined {
  if (u === undefined) return undefined;
  const { passwordHash: _hash, ...rest } = u;
  return rest;
}

function strip(u: Stored<UserRecord>): UserRecord {
  const { _id: _i, _v: _w, ...rest } = u;
  return rest;
}

export interface AuditEntry {
  actor: string;
  action: string;
  now: Date;
}

export async function writeAudit(tx: Transaction, entry: AuditEntry & { target: string; before?: unknown; after?: unknown }): Promise<void> {
  await tx.collection(auditCollection).insert({
    _id: randomUUID(),
    at: entry.now.toISOString(),
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    ...(entry.before === undefined ? {} : { before: entry.before }),
    ...(entry.after === undefined ? {} : { after: entry.after }),
  });
}

export function createUserRepository(store: DocumentStore) {
  const users = store.collection(usersCollection);
  return {
    async get(id: string): Promise<Stored<UserRecord>> {
      const user = await users.get(id);
      if (user === undefined) throw portalErrors.PORTAL_ERR_USER_NOT_FOUND(`no user ${id}`);
      return user;
    },
    findByUsername(username: string): Promise<Stored<UserRecord> | undefined> {
      return users.findOne({ username });
    },
    list(): Promise<Stored<UserRecord>[]> {
      return users.find({}, { sort: { username: 1 } });
    },
    async countActiveAdmins(): Promise<number> {
      return users.count({ roles: 'admin', disabled: false });
    },
    async create(id: string, record: UserRecord, audit: AuditEntry): Promise<Stored<UserRecord>> {
      try {
        return await store.transaction(async (tx) => {
          const stored = await tx.collection(usersCollection).insert({ _id: id, ...record });
          await writeAudit(tx, { ...audit, target: `user:${id}`, after: redacted(record) });
          return stored;
        });
      } catch (err) {
        if (isDomainError(err, 'STORE_ERR_DUPLICATE')) {
          throw portalErrors.PORTAL_ERR_USERNAME_TAKEN(`the username ${record.username} is taken`, {
            errors: [{ field: 'body.username', message: 'is taken' }],
            cause: err,
          });
        }
        throw err;
      }
    },
    /** Re-reads the user inside the transaction and applies `change` to the fresh copy. */
    async update(id: string, change: (current: UserRecord) => UserRecord, audit: AuditEntry): Promise<Stored<UserRecord>> {
      return store.transaction(async (tx) => {
        const col = tx.collection(usersCollection);
        const current = await col.get(id);
        if (current === undefined) throw portalErrors.PORTAL_ERR_USER_NOT_FOUND(`no user ${id}`);
        const before = strip(current);
        const next = { ...change(before), updatedAt: audit.now.toISOString() };
        const stored = await col.update(id, current._v, next);
        await writeAudit(tx, { ...audit, target: `user:${id}`, before: redacted(before), after: redacted(next) });
        return stored;
      });
    },
  };
}
export type UserRepository = ReturnType<typeof createUserRepository>;
