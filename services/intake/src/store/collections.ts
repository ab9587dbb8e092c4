// Intake's collections. Every mutable record keeps its earlier versions (the port's default), and
// every change also writes an audit record; custody events are insert-only.
import { defineCollection, type CollectionSpec } from '@tamga/store';
import type { ChainedEvent } from '@tamga/custody';
import { outboxCollection } from '@tamga/messaging';
import type { Agency, CaseRecord } from '../domain/cases.ts';
import type { ItemState } from '../domain/custody.ts';
import type { Deviation } from '../domain/deviations.ts';
import type { StorageLocation } from '../domain/locations.ts';

export const agencies = defineCollection<Agency>({ name: 'agencies' });
export const cases = defineCollection<CaseRecord>({ name: 'cases', indexes: [{ fields: ['agencyId'] }] });
export const items = defineCollection<ItemState>({ name: 'items', indexes: [{ fields: ['caseId'] }, { fields: ['agencyId'] }] });
export const deviations = defineCollection<Deviation>({ name: 'deviations', indexes: [{ fields: ['labNo'] }] });
export const locations = defineCollection<StorageLocation>({ name: 'locations' });

/** One custody event: the chained event exactly as hashed, plus its leaf index in the lab-wide log. */
export interface CustodyDoc {
  item: string;
  seq: number;
  logIndex: number;
  event: ChainedEvent;
}
export const custodyEvents = defineCollection<CustodyDoc>({
  name: 'custody_events',
  keepVersions: false,
  indexes: [{ fields: ['item', 'seq'], unique: true }, { fields: ['logIndex'], unique: true }],
});

export interface CheckpointDoc {
  size: number;
  rootHash: string;
  time: string;
  note: string;
}
export const checkpoints = defineCollection<CheckpointDoc>({ name: 'custody_checkpoints', keepVersions: false, indexes: [{ fields: ['size'], unique: true }] });

/** Gap-free counters: the next value is taken in the transaction that uses it. */
export interface CounterDoc {
  value: number;
}
export const counters = defineCollection<CounterDoc>({ name: 'counters' });

export interface AnalysisRequestDoc {
  requestId: string;
  labNo: string;
  caseId: string;
  agencyId: string;
  determinations: string[];
  priority: 'routine' | 'urgent';
  requestedAt: string;
  requestedBy: { userId: string; name: string };
}
export const analysisRequests = defineCollection<AnalysisRequestDoc>({ name: 'analysis_requests', indexes: [{ fields: ['labNo'] }] });

/** Who changed what, when, with the record before and after (ISO 17025 7.5, 8.4). */
export interface AuditDoc {
  who: { userId: string; name: string };
  when: string;
  what: string;
  collection: string;
  recordId: string;
  before: unknown;
  after: unknown;
}
export const audit = defineCollection<AuditDoc>({ name: 'audit', keepVersions: false, indexes: [{ fields: ['recordId'] }, { fields: ['when'] }] });

/** E-signatures already used, by token id: one signature records one act. */
export interface UsedSignatureDoc {
  by: string;
  meaning: string;
  purpose: string;
  usedAt: string;
}
export const usedSignatures = defineCollection<UsedSignatureDoc>({ name: 'used_e_signatures', keepVersions: false });

/**
 * A photo of an item: the bytes are a blob named by their SHA-256; this is who took it, when and
 * of what. A photo taken at receipt is uploaded to the case first (no labNo yet) and attached to
 * the item by the receipt that cites it.
 */
export interface PhotoDoc {
  photoId: string;
  caseId: string;
  labNo?: string;
  agencyId: string;
  sha256: string;
  size: number;
  contentType: 'image/jpeg' | 'image/png';
  caption?: string;
  /** The custody event the photo documents (e.g. the receipt). */
  custodyEventId?: string;
  takenBy: { userId: string; name: string };
  uploadedAt: string;
}
export const photos = defineCollection<PhotoDoc>({ name: 'photos', indexes: [{ fields: ['labNo'] }, { fields: ['caseId', 'sha256'] }] });

export const ALL_COLLECTIONS: readonly CollectionSpec<unknown>[] = [agencies, cases, items, deviations, locations, custodyEvents, checkpoints, counters, analysisRequests, audit, usedSignatures, photos, outboxCollection];
