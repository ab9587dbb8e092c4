// Issues the reports an item is owed: for every approved result version without a report,
// assemble the report from the read models, render it, sign it (PAdES + detached CMS), keep
// both as blobs and record the report, all in the caller's transaction, with the
// `reporting.report.issued` event in the same transaction (outbox). A result whose case, item
// or custody head has not arrived yet stays pending; the event that completes it retries.
import { isDomainError, makeEvent, systemActor } from '@tamga/contracts';
import type { EventOf } from '@tamga/contracts';
import { canonicalJson } from '@tamga/custody';
import { detachedCms, renderReportPdf, ReportModel, signReportPdf } from '@tamga/report-pdf';
import { createHash } from 'node:crypto';
import type { LabPki } from '@tamga/report-pdf';
import type { BlobStore, Stored, Transaction } from '@tamga/store';
import { assembleReportModel, type LabIdentity } from '../domain/assemble.ts';
import { decideLifecycle, formatReportNumber, type ReportState } from '../domain/lifecycle.ts';
import {
  auditCollection,
  casesCollection,
  countersCollection,
  itemsCollection,
  reportsCollection,
  resultsCollection,
  type ReportRecord,
} from '../store/collections.ts';
import { nextSequence } from '../store/sequence.ts';
import type { SigningPkiSource } from './signing-pki.ts';

export const SERVICE = 'reporting';

export interface IssuerDeps {
  lab: LabIdentity;
  /** The lab PKI: its CA and, without `signingPki`, the pair that signs every report. */
  pki: LabPki;
  /** The pair that signs the next report, following a rotation of the files (`watchLabPki`). */
  signingPki?: SigningPkiSource | undefined;
  /** Content-addressed and write-once, so a re-run transaction rewrites the same bytes harmlessly. */
  blobs: BlobStore;
  /** Base of the public verification URL printed (and QR-coded) on every page. */
  verifyBaseUrl: string;
  languages: readonly string[];
  now: () => Date;
  /** Writes an event into the outbox of the same transaction. */
  enqueue: (tx: Transaction, event: EventOf<'reporting.report.issued'>) => Promise<void>;
}

export interface IssuedReport {
  reportNumber: string;
  sha256: string;
}

/** Issues every report `labNo` is owed; returns what it issued (possibly nothing). */
export async function issuePendingReports(tx: Transaction, labNo: string, deps: IssuerDeps): Promise<IssuedReport[]> {
  const results = tx.collection(resultsCollection);
  const pending = await results.find({ labNo, reported: false }, { sort: { version: 1 } });
  const issued: IssuedReport[] = [];
  for (const result of pending) {
    const reports = await tx.collection(reportsCollection).find({ labNos: labNo });
    const decision = decideLifecycle(
      { kind: 'issue-for-result', labNo, resultId: result.resultId, resultVersion: result.version },
      reports.map(toState),
      deps.now(),
    );
    if (decision.kind !== 'issue') {
      await results.update(result._id, result._v, { ...strip(result), reported: true });
      continue;
    }
    try {
      issued.push(await issueOne(tx, result, decision.supersedes, deps));
    } catch (err) {
      if (isDomainError(err, 'REPORTING_ERR_NOT_READY')) continue; // completed by a later event
      throw err;
    }
    const fresh = await results.get(result._id);
    if (fresh) await results.update(fresh._id, fresh._v, { ...strip(fresh), reported: true });
  }
  return issued;
}

/** Issues a new report for a result, superseding `supersedes` if given. */
export async function issueOne(
  tx: Transaction,
  result: { resultId: string; version: number; labNo: string } & Parameters<typeof assembleReportModel>[0]['result'],
  supersedes: { reportNumber: string; reason: string } | undefined,
  deps: IssuerDeps,
  amendment?: ReportRecord['amendment'],
): Promise<IssuedReport> {
  const item = await tx.collection(itemsCollection).get(result.labNo);
  const caseView = item ? await tx.collection(casesCollection).get(item.caseId) : undefined;
  const now = deps.now();
  // Assemble first with a placeholder number, so a report that is not ready consumes no number.
  assembleReportModel({ lab: deps.lab, reportNumber: 'PENDING', issuedAt: now, caseView, item, result, supersedes });
  const year = now.getUTCFullYear();
  const seq = await nextSequence(tx.collection(countersCollection), `report:${deps.lab.code}:${year}`);
  const reportNumber = formatReportNumber(deps.lab.code, year, seq);
  const model = assembleReportModel({ lab: deps.lab, reportNumber, issuedAt: now, caseView, item, result, supersedes });
  // One pair for the whole report: the PDF signature, the printed signer and the .p7s agree.
  const pki = deps.signingPki === undefined ? deps.pki : await deps.signingPki.current();
  const signer = pki.signer.describe();
  const contentSha256 = reportContentSha256(model);
  const unsigned = await renderReportPdf(model, {
    contentSha256,
    verificationUrl: `${deps.verifyBaseUrl.replace(/\/$/, '')}/${encodeURIComponent(reportNumber)}`,
    languages: deps.languages,
    signer: { name: signer.name, role: signer.role },
  });
  const pdf = await signReportPdf(unsigned, pki.signer, {
    reason: `Test report ${reportNumber} / Протокол испытаний ${reportNumber}`,
    location: deps.lab.address.en,
    contactInfo: deps.lab.name.en,
    signingTime: now,
  });
  const p7s = await detachedCms(pdf, pki.signer, now);
  const pdfRef = await deps.blobs.put(pdf, 'application/pdf');
  const p7sRef = await deps.blobs.put(p7s, 'application/pkcs7-signature');
  const record: ReportRecord = {
    reportNumber,
    labNos: [result.labNo],
    caseId: item?.caseId ?? '',
    agencyId: item?.agencyId ?? '',
    resultId: result.resultId,
    resultVersion: result.version,
    status: 'current',
    sha256: pdfRef.sha256,
    size: pdfRef.size,
    p7sSha256: p7sRef.sha256,
    contentSha256,
    issuedAt: now.toISOString(),
    ...(supersedes ? { supersedes } : {}),
    ...(amendment ? { amendment } : {}),
  };
  const reports = tx.collection(reportsCollection);
  await reports.insert({ _id: reportNumber, ...record });
  if (supersedes) {
    const old = await reports.get(supersedes.reportNumber);
    if (old) {
      const next = { ...strip(old), status: 'superseded' as const, supersededBy: reportNumber };
      await reports.update(old._id, old._v, next);
      await audit(tx, now, 'report.superseded', old.reportNumber, strip(old), next);
    }
  }
  await audit(tx, now, 'report.issued', reportNumber, undefined, record);
  await deps.enqueue(
    tx,
    makeEvent(
      {
        type: 'reporting.report.issued',
        source: SERVICE,
        subject: result.labNo,
        actor: systemActor(SERVICE),
        data: { reportNumber, caseId: record.caseId || undefined, labNos: record.labNos, sha256: record.sha256, issuedAt: record.issuedAt },
      },
      now,
    ),
  );
  return { reportNumber, sha256: record.sha256 };
}

/**
 * SHA-256 of the report's content: RFC 8785 canonical JSON of the model with its defaults filled.
 * Printed on every page, so a paper copy can be checked with the lab by number and fingerprint.
 */
export function reportContentSha256(model: Parameters<typeof renderReportPdf>[0]): string {
  return createHash('sha256').update(canonicalJson(ReportModel.parse(model))).digest('hex');
}

export async function audit(tx: Transaction, now: Date, action: string, target: string, before: unknown, after: unknown, by = `service:${SERVICE}`): Promise<void> {
  await tx.collection(auditCollection).insert({
    _id: `${now.toISOString()}:${action}:${target}:${Math.random().toString(36).slice(2, 10)}`,
    at: now.toISOString(),
    by,
    action,
    target,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  });
}

export function toState(r: ReportRecord): ReportState {
  return {
    reportNumber: r.reportNumber,
    labNo: r.labNos[0] ?? '',
    resultId: r.resultId,
    resultVersion: r.resultVersion,
    status: r.status,
    supersedes: r.supersedes?.reportNumber,
    supersededBy: r.supersededBy,
    withdrawal: r.withdrawal,
  };
}

/** A stored document without its store fields, ready to be written as the next version. */
export function strip<T extends object>(doc: Stored<T>): T {
  const { _id: _i, _v: _w, ...rest } = doc;
  return rest as unknown as T;
}
