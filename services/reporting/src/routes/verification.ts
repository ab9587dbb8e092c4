// Public verification: anyone holding a report can check it is genuine, unmodified and current.
// Upload the PDF, or give the report number and the SHA-256 printed on it.
import { verifyReportPdf, pdfSha256 } from '@tamga/report-pdf';
import { VerificationParams, VerificationQuery, isDomainError } from '@tamga/contracts';
import type { ServiceApp } from '@tamga/service-kit';
import type { DocumentStore } from '@tamga/store';
import { reportingErrors } from '../domain/errors.ts';
import { reportsCollection, type ReportRecord } from '../store/collections.ts';

const MAX_PDF = 20 * 1024 * 1024;

function statusOf(r: ReportRecord | undefined) {
  if (!r) return { issuedByThisLab: false as const, status: 'unknown' as const };
  return {
    issuedByThisLab: true as const,
    reportNumber: r.reportNumber,
    status: r.status,
    issuedAt: r.issuedAt,
    supersededBy: r.supersededBy ?? null,
    withdrawal: r.withdrawal ? { reason: r.withdrawal.reason, at: r.withdrawal.at } : null,
  };
}

export function registerVerificationRoutes(app: ServiceApp, deps: { store: DocumentStore; caCertPem: string }): void {
  const reports = deps.store.collection(reportsCollection);

  app.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: MAX_PDF }, (_req, body, done) => done(null, body));

  app.post('/v1/verifications', { config: { public: true }, bodyLimit: MAX_PDF }, async (request) => {
    if (!Buffer.isBuffer(request.body)) {
      throw reportingErrors.REPORTING_ERR_NOT_A_REPORT('send the report as the request body with Content-Type: application/pdf', {
        errors: [{ field: 'body', message: 'must be a PDF (Content-Type: application/pdf)' }],
      });
    }
    const pdf = new Uint8Array(request.body);
    let signature;
    try {
      signature = await verifyReportPdf(pdf, { caCertPem: deps.caCertPem });
    } catch (err) {
      if (isDomainError(err)) {
        throw reportingErrors.REPORTING_ERR_NOT_A_REPORT(err.message, { errors: [{ field: 'body', message: err.message }], cause: err });
      }
      throw err;
    }
    const sha256 = await pdfSha256(pdf);
    const record = await reports.findOne({ sha256 });
    return {
      verdict: signature.ok && record !== undefined ? (record.status === 'current' ? 'genuine-current' : `genuine-${record.status}`) : 'not-verified',
      sha256,
      signature: { valid: signature.valid, trusted: signature.trusted, intact: signature.intact, signer: signature.signer, signedAt: signature.signedAt ?? null, reasons: signature.reasons },
      record: statusOf(record),
    };
  });

  app.get('/v1/verifications', { config: { public: true }, schema: { querystring: VerificationQuery } }, async (request) => {
    const q = request.query;
    const record = await reports.get(q.reportNumber);
    const matches =
      record !== undefined &&
      (q.sha256 === undefined || record.sha256 === q.sha256.toLowerCase()) &&
      (q.contentSha256 === undefined || record.contentSha256 === q.contentSha256.toLowerCase());
    return { verdict: matches ? (record.status === 'current' ? 'genuine-current' : `genuine-${record.status}`) : 'not-verified', record: statusOf(matches ? record : undefined) };
  });

  // What the QR code on every page opens: the report's status, without a token. The full check
  // (signature, integrity) needs the file itself or its SHA-256.
  app.get(
    '/v1/verifications/:reportNumber',
    { config: { public: true }, schema: { params: VerificationParams } },
    async (request) => {
      const record = await reports.get(request.params.reportNumber);
      return {
        record: statusOf(record),
        howToVerify:
          'POST the PDF to /v1/verifications (Content-Type: application/pdf), or GET /v1/verifications?reportNumber=&sha256= (file) or &contentSha256= (printed on every page)',
      };
    },
  );

  app.get('/v1/lab/ca.pem', { config: { public: true } }, (_request, reply) => reply.type('application/x-pem-file').send(deps.caCertPem));
}
