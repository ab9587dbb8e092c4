// Reports: list, metadata, download (PDF and detached CMS), amend, withdraw, access log.
// Investigators see only their agency's reports; every download and every refused attempt is
// recorded (who, when).
import { ReportListQuery, ReportParams, SignedReasonBody, actorOf, isDomainError } from '@tamga/contracts';
import type { Principal, Role } from '@tamga/contracts';
import { assertAgencyScope } from '@tamga/service-kit';
import type { ESignatureVerifier, ServiceApp } from '@tamga/service-kit';
import type { DocumentStore, Stored } from '@tamga/store';
import { decideLifecycle } from '../domain/lifecycle.ts';
import { reportingErrors } from '../domain/errors.ts';
import { signedActs } from '@tamga/contracts';
import { audit, issueOne, strip, toState, type IssuerDeps } from '../reports/issue-reports.ts';
import { accessCollection, reportsCollection, resultsCollection, type AccessRecord, type ReportRecord } from '../store/collections.ts';

const READERS: Role[] = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin', 'investigator'];

export function reportView(r: ReportRecord) {
  return {
    reportNumber: r.reportNumber,
    labNos: r.labNos,
    caseId: r.caseId,
    agencyId: r.agencyId,
    status: r.status,
    sha256: r.sha256,
    contentSha256: r.contentSha256 ?? null,
    size: r.size,
    issuedAt: r.issuedAt,
    resultId: r.resultId,
    resultVersion: r.resultVersion,
    supersedes: r.supersedes ?? null,
    supersededBy: r.supersededBy ?? null,
    withdrawal: r.withdrawal ?? null,
    amendment: r.amendment ?? null,
    links: { pdf: `/v1/reports/${r.reportNumber}/pdf`, p7s: `/v1/reports/${r.reportNumber}/p7s` },
  };
}

export function registerReportRoutes(app: ServiceApp, deps: { store: DocumentStore; issuer: IssuerDeps; eSignatures: ESignatureVerifier }): void {
  const { store, issuer, eSignatures } = deps;
  const reports = store.collection(reportsCollection);

  /** Loads a report the caller may see; a refused attempt is recorded before the 403. */
  async function reportFor(principal: Principal, reportNumber: string, what: AccessRecord['what']): Promise<Stored<ReportRecord>> {
    const report = await reports.get(reportNumber);
    if (!report) throw reportingErrors.REPORTING_ERR_REPORT_NOT_FOUND(`no report ${reportNumber}`);
    try {
      assertAgencyScope(principal, report.agencyId);
    } catch (err) {
      if (isDomainError(err)) await recordAccess(principal, reportNumber, what, 'denied');
      throw err;
    }
    return report;
  }

  async function recordAccess(principal: Principal, reportNumber: string, what: AccessRecord['what'], outcome: AccessRecord['outcome']): Promise<void> {
    const at = issuer.now().toISOString();
    await store.collection(accessCollection).insert({
      _id: `${reportNumber}:${at}:${principal.sub}:${Math.random().toString(36).slice(2, 10)}`,
      reportNumber,
      what,
      outcome,
      by: principal.sub,
      name: principal.name,
      roles: principal.roles,
      ...(principal.agencyId ? { agencyId: principal.agencyId } : {}),
      at,
    });
  }

  app.get('/v1/reports', { config: { roles: READERS }, schema: { querystring: ReportListQuery } }, async (request) => {
    const q = request.query;
    const p = request.principal;
    const filter: Record<string, string | { $lt: string }> = {};
    if (q.labNo) filter.labNos = q.labNo;
    if (q.caseId) filter.caseId = q.caseId;
    if (q.status) filter.status = q.status;
    // Investigators: only their agency, whatever they ask for. The filter is part of the store
    // query, so a page is never cut short by reports the caller may not see.
    const staff = p.roles.some((r) => r !== 'investigator');
    if (!staff) filter.agencyId = p.agencyId ?? '\u0000';
    // Newest first: report numbers grow with issue (<LAB>-R-<YYYY>-<NNNNNN>), so they are the cursor.
    if (q.cursor) filter._id = { $lt: q.cursor };
    const list = await reports.find(filter, { sort: { _id: -1 }, limit: q.limit + 1 });
    const page = list.slice(0, q.limit);
    const last = page[page.length - 1];
    return { reports: page.map(reportView), ...(list.length > q.limit && last ? { nextCursor: last.reportNumber } : {}) };
  });

  app.get('/v1/reports/:reportNumber', { config: { roles: READERS }, schema: { params: ReportParams } }, async (request) => {
    const report = await reportFor(request.principal, request.params.reportNumber, 'metadata');
    return reportView(report);
  });

  app.get('/v1/reports/:reportNumber/pdf', { config: { roles: READERS }, schema: { params: ReportParams } }, async (request, reply) => {
    const report = await reportFor(request.principal, request.params.reportNumber, 'pdf');
    const bytes = await store.blobs.get(report.sha256);
    await recordAccess(request.principal, report.reportNumber, 'pdf', 'granted');
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${report.reportNumber}.pdf"`)
      .header('x-report-status', report.status)
      .header('x-report-sha256', report.sha256)
      .send(Buffer.from(bytes));
  });

  app.get('/v1/reports/:reportNumber/p7s', { config: { roles: READERS }, schema: { params: ReportParams } }, async (request, reply) => {
    const report = await reportFor(request.principal, request.params.reportNumber, 'p7s');
    const bytes = await store.blobs.get(report.p7sSha256);
    await recordAccess(request.principal, report.reportNumber, 'p7s', 'granted');
    return reply
      .type('application/pkcs7-signature')
      .header('content-disposition', `attachment; filename="${report.reportNumber}.pdf.p7s"`)
      .send(Buffer.from(bytes));
  });

  app.get('/v1/reports/:reportNumber/access', { config: { roles: ['qa_manager', 'admin'] }, schema: { params: ReportParams } }, async (request) => {
    const list = await store.collection(accessCollection).find({ reportNumber: request.params.reportNumber }, { sort: { at: 1 } });
    return { access: list.map(({ _id: _i, _v: _w, ...rest }) => rest) };
  });

  app.post(
    '/v1/reports/:reportNumber/withdrawals',
    { config: { roles: ['qa_manager'] }, schema: { params: ReportParams, body: SignedReasonBody } },
    async (request) => {
      const by = actorOf(request.principal, 'qa_manager');
      // Verified before anything is read or changed: a refused signature leaves no trace.
      const eSignature = await eSignatures.verify(request.body.eSignature, {
        sub: request.principal.sub,
        ...signedActs.withdrawReport(request.params.reportNumber),
      });
      const updated = await store.transaction(async (tx) => {
        const col = tx.collection(reportsCollection);
        const report = await col.get(request.params.reportNumber);
        if (!report) throw reportingErrors.REPORTING_ERR_REPORT_NOT_FOUND(`no report ${request.params.reportNumber}`);
        const decision = decideLifecycle(
          { kind: 'withdraw', reportNumber: report.reportNumber, reason: request.body.reason, by: by.id },
          [toState(report)],
          issuer.now(),
        );
        if (decision.kind !== 'withdraw') throw reportingErrors.REPORTING_ERR_NOT_CURRENT();
        const next = { ...strip(report), status: 'withdrawn' as const, withdrawal: { reason: decision.reason, by: `${by.name} (${by.id})`, at: decision.at, eSignature } };
        const stored = await col.update(report._id, report._v, next);
        await audit(tx, issuer.now(), 'report.withdrawn', report.reportNumber, strip(report), next, by.id);
        return stored;
      });
      return reportView(updated);
    },
  );

  app.post(
    '/v1/reports/:reportNumber/amendments',
    { config: { roles: ['qa_manager'] }, schema: { params: ReportParams, body: SignedReasonBody } },
    async (request, reply) => {
      const eSignature = await eSignatures.verify(request.body.eSignature, {
        sub: request.principal.sub,
        ...signedActs.amendReport(request.params.reportNumber),
      });
      const issued = await store.transaction(async (tx) => {
        const report = await tx.collection(reportsCollection).get(request.params.reportNumber);
        if (!report) throw reportingErrors.REPORTING_ERR_REPORT_NOT_FOUND(`no report ${request.params.reportNumber}`);
        const decision = decideLifecycle({ kind: 'amend', reportNumber: report.reportNumber, reason: request.body.reason }, [toState(report)], issuer.now());
        if (decision.kind !== 'issue') throw reportingErrors.REPORTING_ERR_NOT_CURRENT();
        const result = await tx.collection(resultsCollection).get(`${report.resultId}@${report.resultVersion}`);
        if (!result) throw reportingErrors.REPORTING_ERR_NOT_READY(`result ${report.resultId} v${report.resultVersion} is not in reporting's records`);
        return issueOne(tx, result, decision.supersedes, issuer, { eSignature });
      });
      const report = await reports.get(issued.reportNumber);
      if (!report) throw reportingErrors.REPORTING_ERR_REPORT_NOT_FOUND();
      return reply.status(201).send(reportView(report));
    },
  );
}
