// Events of the reporting context (stream REPORTING, subjects `reporting.>`). Add new
// reporting events here and to `reportingEvents`; the registry picks them up.
import { z } from 'zod';
import { CaseId, IsoDateTime, LabNo, Sha256Hex } from '../common.ts';

export const ReportNumber = z.string().trim().min(1).max(100);
export type ReportNumber = z.infer<typeof ReportNumber>;

/** A signed report was issued; `sha256` is the digest of the signed PDF as stored. */
export const ReportIssued = z.object({
  reportNumber: ReportNumber,
  caseId: CaseId.optional(),
  labNos: z.array(LabNo).min(1),
  sha256: Sha256Hex,
  issuedAt: IsoDateTime,
});
export type ReportIssued = z.infer<typeof ReportIssued>;

export const reportingEvents = {
  'reporting.report.issued': ReportIssued,
} as const;
