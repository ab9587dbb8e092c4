// Reporting's HTTP contracts (services/reporting): the report list, amendments and withdrawals,
// and the public verification query. The reporting.* events are in events/reporting.ts.
import { z } from 'zod';
import { ESignatureToken } from './common.ts';

/** A report number as a path segment or cursor: letters, digits and `. _ / -`, at most 64. */
const ReportNumberSegment = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, 'is not a report number');

export const ReportParams = z.object({ reportNumber: ReportNumberSegment });
export type ReportParams = z.infer<typeof ReportParams>;

/** The reason, and the QA manager's e-signature token from the portal (POST /v1/e-signatures). */
export const SignedReasonBody = z.object({
  reason: z.string().trim().min(3, 'give the reason (at least 3 characters)').max(2000),
  eSignature: ESignatureToken,
});
export type SignedReasonBody = z.infer<typeof SignedReasonBody>;

export const ReportListQuery = z.object({
  labNo: z.string().max(64).optional(),
  caseId: z.string().max(128).optional(),
  status: z.enum(['current', 'superseded', 'withdrawn']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `nextCursor` of the previous page (a report number). */
  cursor: ReportNumberSegment.optional(),
});
export type ReportListQuery = z.infer<typeof ReportListQuery>;

/** A report number as the public verification takes it: anything printed, at most 64 characters. */
const VerifiedReportNumber = z.string().min(1).max(64);

/** `/v1/verifications/:reportNumber`. */
export const VerificationParams = z.object({ reportNumber: VerifiedReportNumber });
export type VerificationParams = z.infer<typeof VerificationParams>;

const Hex64 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal digits');

/** A PDF file is checked by its SHA-256; a paper copy by the content SHA-256 printed on every page. */
export const VerificationQuery = z
  .object({ reportNumber: VerifiedReportNumber, sha256: Hex64.optional(), contentSha256: Hex64.optional() })
  .refine((q) => q.sha256 !== undefined || q.contentSha256 !== undefined, {
    message: 'give sha256 (of the PDF file) or contentSha256 (printed on every page)',
    path: ['sha256'],
  });
export type VerificationQuery = z.infer<typeof VerificationQuery>;
