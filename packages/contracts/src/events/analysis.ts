// Events of the analysis context (stream ANALYSIS, subjects `analysis.>`). Add new analysis
// events here and to `analysisEvents`; the registry picks them up.
import { z } from 'zod';
import { CaseId, IsoDateTime, LabNo, PersonName, ResultId, UserId } from '../common.ts';

export const PersonRef = z.object({ id: UserId, name: PersonName });
export type PersonRef = z.infer<typeof PersonRef>;

export const LibraryRef = z.object({
  name: z.string().trim().min(1).max(200),
  version: z.string().trim().min(1).max(100),
});
export type LibraryRef = z.infer<typeof LibraryRef>;

/** A result passed technical review by a second person and may be reported. */
export const ResultApproved = z
  .object({
    labNo: LabNo,
    caseId: CaseId,
    resultId: ResultId,
    /** Version of the result record that was approved (starts at 1). */
    version: z.number().int().min(1),
    substance: z.string().trim().min(1).max(300),
    analyst: PersonRef,
    reviewer: PersonRef,
    approvedAt: IsoDateTime,
    library: LibraryRef,
  })
  .refine((r) => r.analyst.id !== r.reviewer.id, {
    message: 'the reviewer of a result is never its analyst',
    path: ['reviewer', 'id'],
  });
export type ResultApproved = z.infer<typeof ResultApproved>;

export const analysisEvents = {
  'analysis.result.approved': ResultApproved,
} as const;
