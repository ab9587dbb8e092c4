// Recording findings: the analyst's input checked against the rules (SWGDRUG for an
// identification), and the numbers the report states computed from their budgets.
import type { FindingsBody } from '@tamga/contracts';
import { requireIdentification, techniqueInfo } from './swgdrug.ts';
import type { SwgdrugAssessment, TechniqueInfo } from './swgdrug.ts';
import { netWeight, relativeResult } from './uncertainty.ts';
import type { MeasuredValue } from './uncertainty.ts';
import { assessThresholds, findThresholds } from './thresholds.ts';
import type { ThresholdAssessment, ThresholdSet } from './thresholds.ts';
import { samplingStatement } from './sampling.ts';
import type { Person } from './work-item.ts';

export interface EvaluatedFindings<H> {
  input: FindingsBody;
  techniques: (TechniqueInfo & { result: string; spectrumId?: string | undefined })[];
  swgdrug?: SwgdrugAssessment | undefined;
  netWeight?: MeasuredValue | undefined;
  purity?: MeasuredValue | undefined;
  conformity?: ThresholdAssessment | undefined;
  samplingStatement?: string | undefined;
  hit?: H | undefined;
  recordedBy: Person;
  recordedAt: string;
}

export interface FindingsContext<H> {
  thresholds: readonly ThresholdSet[];
  /** The supporting library hit, already resolved from the uploaded spectrum. */
  hit?: H | undefined;
  by: Person;
  now: Date;
}

/** Throws ANALYSIS_ERR_SWGDRUG_RULE, ANALYSIS_ERR_BAD_BUDGET, ANALYSIS_ERR_BAD_SAMPLING_PLAN, ANALYSIS_ERR_NO_THRESHOLDS. */
export function evaluateFindings<H>(input: FindingsBody, ctx: FindingsContext<H>): EvaluatedFindings<H> {
  const techniques = input.techniques.map((t) => ({
    ...techniqueInfo(t.technique),
    result: t.result,
    spectrumId: t.spectrumId,
  }));
  const swgdrug =
    input.conclusion === 'identified' ? requireIdentification(input.techniques, input.material) : undefined;
  const weight = input.netWeight === undefined ? undefined : netWeight(input.netWeight);
  const purity =
    input.purity === undefined ? undefined : relativeResult(input.purity.value, '%', input.purity.components);
  let conformity: ThresholdAssessment | undefined;
  if (weight !== undefined && input.netWeight?.jurisdiction !== undefined && input.substance !== undefined) {
    const set = findThresholds(ctx.thresholds, input.netWeight.jurisdiction, input.substance);
    conformity = assessThresholds(set, weight.value, weight.expandedUncertainty);
  }
  const statement =
    input.sampling === undefined
      ? undefined
      : samplingStatement(input.sampling, input.substance ?? 'the substance sought');
  return {
    input,
    techniques,
    swgdrug,
    netWeight: weight,
    purity,
    conformity,
    samplingStatement: statement,
    hit: ctx.hit,
    recordedBy: ctx.by,
    recordedAt: ctx.now.toISOString(),
  };
}
