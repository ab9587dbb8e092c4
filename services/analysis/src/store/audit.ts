// Audit records: who changed what, when, with before/after. Written in the same transaction as
// the change they describe, never updated.
import { randomUUID } from 'node:crypto';
import type { Transaction } from '@tamga/store';
import { auditRecords } from './collections.ts';
import type { AuditDoc } from './collections.ts';

export async function writeAudit(tx: Transaction, record: AuditDoc): Promise<void> {
  await tx.collection(auditRecords).insert({ _id: randomUUID(), ...record });
}
