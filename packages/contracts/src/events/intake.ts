// Events of the intake context (stream INTAKE, subjects `intake.>`). Add new intake events
// here and to `intakeEvents`; the registry picks them up.
import { z } from 'zod';
import { AgencyId, CaseId, IsoDateTime, LabNo } from '../common.ts';

/** An evidence item was received into a case and given a lab number. */
export const ItemReceived = z.object({
  labNo: LabNo,
  caseId: CaseId,
  agencyId: AgencyId,
  description: z.string().trim().min(1).max(2000),
  receivedAt: IsoDateTime,
});
export type ItemReceived = z.infer<typeof ItemReceived>;

export const AnalysisPriority = z.enum(['routine', 'urgent']);
export type AnalysisPriority = z.infer<typeof AnalysisPriority>;

/** Intake asks the analysis section to examine an item. */
export const AnalysisRequested = z.object({
  labNo: LabNo,
  caseId: CaseId,
  agencyId: AgencyId,
  /** What to determine, e.g. `identification`, `purity`, `net_weight`. */
  determinations: z.array(z.string().trim().min(1).max(100)).min(1),
  priority: AnalysisPriority,
});
export type AnalysisRequested = z.infer<typeof AnalysisRequested>;

export const intakeEvents = {
  'intake.item.received': ItemReceived,
  'intake.analysis.requested': AnalysisRequested,
} as const;
