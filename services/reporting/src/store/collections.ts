// Reporting's collections. Read models (cases, items, results) are built from events; reports,
// downloads and audit records are reporting's own. Nothing is deleted: report status changes
// are new versions (the store keeps the old ones).
import { defineCollection } from '@tamga/store';
import type { CaseView, ItemView, ResultView } from '../domain/read-model.ts';
import type { VerifiedESignature } from '@tamga/service-kit';
import type { ReportStatus } from '../domain/lifecycle.ts';

export const casesCollection = defineCollection<CaseView>({ name: 'cases', indexes: [{ fields: ['agencyId'] }] });

export const itemsCollection = defineCollection<ItemView>({ name: 'items', indexes: [{ fields: ['caseId'] }] });

/** One document per approved result version: `_id` = `<resultId>@<version>`. */
export const resultsCollection = defineCollection<ResultView & { reported: boolean }>({
  name: 'results',
  indexes: [{ fields: ['labNo'] }, { fields: ['reported'] }],
});

export interface ReportRecord {
  reportNumber: string;
  labNos: string[];
  caseId: string;
  agencyId: string;
  resultId: string;
  resultVersion: number;
  status: ReportStatus;
  /** SHA-256 of the signed PDF as issued (also the blob key). */
  sha256: string;
  size: number;
  /** SHA-256 of the detached CMS signature (.p7s) blob. */
  p7sSha256: string;
  /** SHA-256 of the canonical report content, printed on every page (paper copies). */
  contentSha256?: string | undefined;
  issuedAt: string;
  supersedes?: { reportNumber: string; reason: string } | undefined;
  supersededBy?: string | undefined;
  /** On a report issued by a QA manager's amendment: their e-signature ("amended"). */
  amendment?: { eSignature: VerifiedESignature } | undefined;
  /** The QA manager's e-signature ("withdrawn") is recorded with the reason. */
  withdrawal?: { reason: string; by: string; at: string; eSignature?: VerifiedESignature | undefined } | undefined;
}

export const reportsCollection = defineCollection<ReportRecord>({
  name: 'reports',
  indexes: [{ fields: ['sha256'], unique: true }, { fields: ['contentSha256'] }, { fields: ['labNos'] }, { fields: ['agencyId'] }, { fields: ['resultId'] }],
});

export const countersCollection = defineCollection<{ value: number }>({ name: 'counters', keepVersions: false });

/** Who downloaded or tried to download a report, and what happened (ISO 17025 7.8.8, 7.5). */
export interface AccessRecord {
  reportNumber: string;
  what: 'pdf' | 'p7s' | 'metadata';
  outcome: 'granted' | 'denied';
  by: string;
  name: string;
  roles: string[];
  agencyId?: string | undefined;
  at: string;
}
export const accessCollection = defineCollection<AccessRecord>({
  name: 'report_access',
  keepVersions: false,
  indexes: [{ fields: ['reportNumber'] }],
});

/** Every change: who, when, what, before/after. */
export interface AuditRecord {
  at: string;
  by: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}
export const auditCollection = defineCollection<AuditRecord>({ name: 'audit', keepVersions: false, indexes: [{ fields: ['target'] }] });

export const REPORTING_COLLECTIONS = [
  casesCollection,
  itemsCollection,
  resultsCollection,
  reportsCollection,
  countersCollection,
  accessCollection,
  auditCollection,
] as const;
