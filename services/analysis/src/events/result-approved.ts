// What `analysis.result.approved` carries: everything reporting needs to state the result
// without asking analysis again (ISO/IEC 17025 7.8: method, units, uncertainty, sampling plan,
// external provider, opinions kept apart, the people and times, the library version searched).
import type { ResultApproved } from '@tamga/contracts';
import type { MeasuredValue } from '../domain/uncertainty.ts';
import type { ResultDoc, ReviewRecord, WorkItemDoc } from '../store/collections.ts';

export const NOT_DETECTED = 'no controlled substance detected';

function quantity(m: MeasuredValue | undefined): ResultApproved['netWeight'] {
  if (m === undefined) return undefined;
  return {
    value: m.value,
    unit: m.unit,
    expandedUncertainty: m.expandedUncertainty,
    coverageFactor: m.coverageFactor,
    budget: m.budget.components.map((c) => ({
      name: c.name,
      type: c.type,
      standardUncertainty: c.standardUncertainty,
      sensitivity: c.sensitivity,
    })),
  };
}

export function resultApprovedData(input: {
  item: WorkItemDoc;
  result: ResultDoc;
  review: ReviewRecord & { signature: NonNullable<ReviewRecord['signature']> };
  /** The library searched when no hit was chosen (e.g. nothing detected). */
  fallbackLibrary: { name: string; version: string };
}): ResultApproved {
  const { item, result, review } = input;
  const f = result.findings;
  const identified = f.input.conclusion === 'identified';
  return {
    labNo: item.labNo,
    caseId: item.caseId,
    resultId: result.resultId,
    version: result.version,
    substance: identified ? (f.input.substance ?? NOT_DETECTED) : NOT_DETECTED,
    analyst: result.analyst,
    reviewer: review.reviewer,
    approvedAt: review.at,
    library: f.hit?.library ?? input.fallbackLibrary,
    identified,
    legalClass: f.input.legalClass,
    techniques: f.techniques.map((t) => `${t.name} (SWGDRUG ${t.category})`),
    techniqueUses: f.techniques.map((t) => ({
      technique: t.code,
      name: t.name,
      category: t.category,
      result: t.result as 'positive' | 'negative' | 'inconclusive',
    })),
    method: { sopId: f.input.sop.id, version: f.input.sop.version },
    purity: quantity(f.purity),
    netWeight: quantity(f.netWeight),
    matchFactor: f.hit?.mf,
    spectrum:
      f.hit === undefined ? undefined : { query: f.hit.query, reference: f.hit.reference, referenceName: f.hit.name },
    hit:
      f.hit === undefined
        ? undefined
        : {
            name: f.hit.name,
            libraryRecordId: f.hit.libraryRecordId,
            mf: f.hit.mf,
            rmf: f.hit.rmf,
            score: f.hit.score,
            probability: f.hit.probability,
            entropy: f.hit.entropy,
            ...(f.hit.riDelta === undefined ? {} : { riDelta: f.hit.riDelta }),
          },
    qc: f.input.qc,
    samplingStatement: f.samplingStatement,
    externalProvider: f.input.externalProvider?.name,
    opinions: item.opinions.map((o) => o.text),
    conformity: f.conformity?.statement,
    decisionRule: f.conformity?.decisionRule,
    observations: f.input.observations,
    analysedFrom: item.analysedFrom,
    signature: review.signature,
    correction: result.correction,
  };
}
