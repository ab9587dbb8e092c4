// Receipt deviations (ISO/IEC 17025 7.4.3): recorded against an item, resolved with a decision
// and the record of consulting the agency. An item with an open deviation cannot go to analysis.
import type { AgencyConsultation, DeviationDecision, RecordDeviationBody, ResolveDeviationBody } from '@tamga/contracts';
import { IntakeErrors } from './errors.ts';
import type { ItemState } from './custody.ts';

export interface Deviation extends RecordDeviationBody {
  deviationId: string;
  labNo: string;
  status: 'open' | 'resolved';
  recordedAt: string;
  recordedBy: { userId: string; name: string };
  resolution?: {
    decision: DeviationDecision;
    rationale: string;
    agencyConsultation: AgencyConsultation;
    resolvedAt: string;
    resolvedBy: { userId: string; name: string };
  };
}

interface By {
  userId: string;
  name: string;
}

export function recordDeviation(
  item: ItemState,
  body: RecordDeviationBody,
  ids: { deviationId: string; by: By; now: Date },
): { deviation: Deviation; item: ItemState } {
  if (item.status === 'destroyed') throw IntakeErrors.INTAKE_ERR_ITEM_DESTROYED(`${item.labNo} was destroyed`);
  const deviation: Deviation = {
    ...body,
    deviationId: ids.deviationId,
    labNo: item.labNo,
    status: 'open',
    recordedAt: ids.now.toISOString(),
    recordedBy: ids.by,
  };
  return { deviation, item: { ...item, openDeviations: [...item.openDeviations, ids.deviationId] } };
}

export function resolveDeviation(
  item: ItemState,
  deviation: Deviation,
  body: ResolveDeviationBody,
  ctx: { by: By; now: Date },
): { deviation: Deviation; item: ItemState } {
  if (deviation.status === 'resolved') throw IntakeErrors.INTAKE_ERR_DEVIATION_RESOLVED(`Deviation ${deviation.deviationId} was resolved on ${deviation.resolution?.resolvedAt ?? '?'}`);
  if (body.agencyConsultation.contactedAt > ctx.now.toISOString()) {
    throw IntakeErrors.INTAKE_ERR_DATE_IN_FUTURE('The agency cannot have been consulted in the future', {
      errors: [{ field: 'agencyConsultation.contactedAt', message: 'must not lie in the future' }],
    });
  }
  const resolved: Deviation = {
    ...deviation,
    status: 'resolved',
    resolution: { ...body, resolvedAt: ctx.now.toISOString(), resolvedBy: ctx.by },
  };
  const openDeviations = item.openDeviations.filter((d) => d !== deviation.deviationId);
  // Returning the item or declining the analysis closes the deviation but not the item's way back:
  // it may still be returned to the agency, never analysed or sub-sampled.
  const { decision } = body;
  const declined = decision === 'return_to_agency' || decision === 'decline_analysis' ? { analysisDeclined: { deviationId: deviation.deviationId, decision } } : {};
  return { deviation: resolved, item: { ...item, openDeviations, ...declined } };
}
