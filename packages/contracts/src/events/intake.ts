// Events of the intake context (stream INTAKE, subjects `intake.>`). Add new intake events
// here and to `intakeEvents`; the registry picks them up.
import { z } from 'zod';
import { AgencyId, CaseId, IsoDate, IsoDateTime, LabNo, Sha256Hex } from '../common.ts';
import { CustodyKind, DeviationDecision, DeviationKind } from '../intake.ts';

/** A case was opened for a submitting agency. */
export const CaseOpened = z.object({
  caseId: CaseId,
  agencyId: AgencyId,
  agencyCaseNumber: z.string(),
  offence: z.string(),
  jurisdiction: z.string(),
  seizureDate: IsoDate,
  openedAt: IsoDateTime,
  /** Carried so reporting can name the agency and investigator from its own read model. */
  agencyName: z.string().optional(),
  investigator: z.object({ name: z.string(), rank: z.string().optional() }).optional(),
  request: z.string().optional(),
});
export type CaseOpened = z.infer<typeof CaseOpened>;

/** An evidence item was received into a case and given a lab number. */
export const ItemReceived = z.object({
  labNo: LabNo,
  caseId: CaseId,
  agencyId: AgencyId,
  description: z.string().trim().min(1).max(2000),
  receivedAt: IsoDateTime,
  exhibitNo: z.string().optional(),
  grossWeightGrams: z.number().optional(),
  unitCount: z.number().int().optional(),
  /** Set for a sub-sample: the item it was taken from. */
  parentLabNo: LabNo.optional(),
  /** What the report states about the item as received (ISO/IEC 17025 7.8.2.1 e). */
  packaging: z.string().optional(),
  seals: z.array(z.object({ number: z.string(), intact: z.boolean() })).optional(),
  condition: z.string().optional(),
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
  requestId: z.string().optional(),
  description: z.string().optional(),
  /** Hash of the item's custody-ledger head when the request was made. */
  custodyHead: Sha256Hex.optional(),
});
export type AnalysisRequested = z.infer<typeof AnalysisRequested>;

/** A custody event was appended to an item's ledger (the record itself stays in intake). */
export const CustodyRecorded = z.object({
  labNo: LabNo,
  seq: z.number().int().nonnegative(),
  kind: CustodyKind,
  time: IsoDateTime,
  hash: Sha256Hex,
  logIndex: z.number().int().nonnegative(),
});
export type CustodyRecorded = z.infer<typeof CustodyRecorded>;

/** A receipt deviation was recorded or resolved (ISO/IEC 17025 7.4.3). */
export const DeviationRecorded = z.object({
  labNo: LabNo,
  deviationId: z.string(),
  kind: DeviationKind,
  status: z.enum(['open', 'resolved']),
  decision: DeviationDecision.optional(),
});
export type DeviationRecorded = z.infer<typeof DeviationRecorded>;

export const intakeEvents = {
  'intake.case.opened': CaseOpened,
  'intake.custody.recorded': CustodyRecorded,
  'intake.deviation.recorded': DeviationRecorded,
  'intake.item.received': ItemReceived,
  'intake.analysis.requested': AnalysisRequested,
} as const;
