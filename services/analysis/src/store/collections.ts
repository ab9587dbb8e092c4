// The analysis service's collections. Documents are plain JSON (ISO strings for times); the
// store keeps every replaced version of a document in `<name>.versions`.
import { defineCollection } from '@tamga/store';
import type { BlobRef, CollectionSpec } from '@tamga/store';
import type { AnalysisPriority, Sha256Hex } from '@tamga/contracts';
import type { EvaluatedFindings } from '../domain/findings.ts';
import type { Person, WorkItemStatus } from '../domain/work-item.ts';

export interface Opinion {
  text: string;
  by: Person;
  at: string;
  consultation?: { with: string; at: string; summary: string } | undefined;
}

/** Findings as recorded, plus what the service computed from them. */
export type FindingsRecord = EvaluatedFindings<SupportingHit>;

export interface SupportingHit {
  spectrumId: string;
  rank: number;
  name: string;
  libraryRecordId: string;
  mf: number;
  rmf: number;
  /** Entropy similarity, 0..1000 (absent on findings recorded before it was stored). */
  entropy?: number | undefined;
  score: number;
  probability: number;
  riDelta?: number | undefined;
  library: { name: string; version: string };
  query: [number, number][];
  reference: [number, number][];
}

export interface WorkItemDoc {
  /** requestId from intake, else the request event's id: a second request with it is refused. */
  requestKey: string;
  requestEventId: string;
  labNo: string;
  caseId: string;
  agencyId: string;
  determinations: string[];
  priority: AnalysisPriority;
  dueDate?: string | undefined;
  description?: string | undefined;
  status: WorkItemStatus;
  analyst?: Person | undefined;
  resultId: string;
  version: number;
  hasFindings: boolean;
  findings?: FindingsRecord | undefined;
  approvedVersion?: number | undefined;
  correctionReason?: string | undefined;
  /** The e-signature of whoever opened the current correction. */
  correctionSignature?: ESignatureRecord | undefined;
  sentBackReasons?: string[] | undefined;
  opinions: Opinion[];
  analysedFrom?: string | undefined;
  createdAt: string;
  updatedAt: string;
  /** Who besides supervisors may see it: `queue` (unassigned, queued), `analyst:<id>`, or `none`. Kept by every change. */
  visibleTo?: string | undefined;
  /** Queue order and paging cursor: `<createdAt>|<id>`. */
  listKey?: string | undefined;
}

/**
 * A library hit with every score, all similarities on the 0..1000 scale NIST MS Search prints:
 * `score` is the ranking measure's (named by the search's `measure`), `mf` the identity match
 * factor, `rmf` the reverse match factor, `entropy` the spectral entropy similarity (Li et al.
 * 2021) times 1000; `probability` is in percent, relative to the other hits.
 */
export interface StoredHit {
  rank: number;
  /** Position of the record in the library index (to draw its spectrum). */
  index: number;
  name: string;
  libraryRecordId: string;
  inchikey: string;
  score: number;
  mf: number;
  rmf: number;
  entropy: number;
  probability: number;
  /** The library record's retention index, when it carries one. */
  libraryRi?: number | undefined;
  /** Uploaded spectrum's RI minus the record's, when both carry one. */
  riDelta?: number | undefined;
  /** What the search's checks took from `score` and why (absent on hits stored before they were kept). */
  adjustments?: { reason: 'derivative' | 'low-mass' | 'retention-index'; points: number }[] | undefined;
}

export interface UploadedSpectrum {
  index: number;
  name: string;
  mz: number[];
  intensity: number[];
  ri?: number | undefined;
  search: { library: { name: string; version: string }; measure: string; hits: StoredHit[] };
}

export interface SpectrumUploadDoc {
  workItemId: string;
  labNo: string;
  filename: string;
  format: string;
  raw: BlobRef;
  instrument?: string | undefined;
  method?: string | undefined;
  injectionId?: string | undefined;
  sampleId?: string | undefined;
  retentionTime?: number | undefined;
  spectra: UploadedSpectrum[];
  uploadedBy: Person;
  uploadedAt: string;
}

export interface LibraryDoc {
  name: string;
  version: string;
  count: number;
  /** The MSP the version was built from (for CRM versions: the added spectra). */
  source: { filename: string; sha256: Sha256Hex };
  /** The serialised spectral index. */
  index: BlobRef;
  basedOn?: string | undefined;
  crm?: { name: string; lot: string; certificate: string; expires?: string | undefined; spectra: string[] } | undefined;
  createdBy: Person;
  createdAt: string;
}

export interface ResultDoc {
  resultId: string;
  workItemId: string;
  labNo: string;
  version: number;
  status: 'awaiting_review' | 'approved' | 'sent_back';
  findings: FindingsRecord;
  analyst: Person;
  submittedAt: string;
  correction?: { reason: string; supersedesVersion: number; eSignature?: ESignatureRecord | undefined } | undefined;
  review?: ReviewRecord | undefined;
  /** List order and paging cursor: `<submittedAt>|<id>`. */
  listKey?: string | undefined;
}

/** A verified portal e-signature as recorded (21 CFR 11.50): printed name, time, meaning, and what it was for. */
export interface ESignatureRecord {
  /** The signature token's id: one signature is never recorded for two acts. */
  signatureId: string;
  printedName: string;
  time: string;
  meaning: string;
  purpose: string;
}

export interface ReviewRecord {
  reviewer: Person;
  decision: 'approve' | 'send_back';
  at: string;
  reasons?: string[] | undefined;
  signature?: { printedName: string; meaning: string; signedAt: string } | undefined;
  /** The reviewer's portal e-signature ("approved" or "returned"); required since e-signatures became mandatory. */
  eSignature?: ESignatureRecord | undefined;
  comments?: string | undefined;
}

export interface AuditDoc {
  at: string;
  actor: Person;
  action: string;
  entity: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

export const workItems = defineCollection<WorkItemDoc>({
  name: 'analysis.work_items',
  indexes: [
    { fields: ['requestKey'], unique: true },
    { fields: ['status'] },
    { fields: ['analyst.id'] },
    { fields: ['labNo'] },
    { fields: ['listKey'] },
    { fields: ['visibleTo', 'listKey'] },
    { fields: ['status', 'listKey'] },
  ],
});

export const spectrumUploads = defineCollection<SpectrumUploadDoc>({
  name: 'analysis.spectrum_uploads',
  indexes: [{ fields: ['workItemId'] }],
});

export const libraries = defineCollection<LibraryDoc>({
  name: 'analysis.libraries',
  indexes: [{ fields: ['name', 'version'], unique: true }, { fields: ['createdAt'] }],
  keepVersions: false,
});

/** One document per result version: `<resultId>@<version>`; corrections add a new one. */
export const results = defineCollection<ResultDoc>({
  name: 'analysis.results',
  indexes: [
    { fields: ['resultId', 'version'], unique: true },
    { fields: ['listKey'] },
    { fields: ['analyst.id', 'listKey'] },
  ],
});

export const reviews = defineCollection<ReviewRecord & { resultId: string; version: number; workItemId: string }>({
  name: 'analysis.reviews',
  indexes: [{ fields: ['resultId'] }],
  keepVersions: false,
});

export const auditRecords = defineCollection<AuditDoc>({
  name: 'analysis.audit',
  indexes: [{ fields: ['entityId'] }, { fields: ['at'] }],
  keepVersions: false,
});

/** Every e-signature recorded, by its token id: one signature is recorded for one act only. */
export const usedSignatures = defineCollection<{ act: string; entityId: string; by: string; at: string }>({
  name: 'analysis.e_signatures',
  keepVersions: false,
});

export const ANALYSIS_COLLECTIONS: readonly CollectionSpec<unknown>[] = [
  workItems,
  spectrumUploads,
  libraries,
  results,
  reviews,
  auditRecords,
  usedSignatures,
] as readonly CollectionSpec<unknown>[];
