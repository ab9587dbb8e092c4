// Legal thresholds ("significant", "large", "especially large" amounts, in grams) are set per
// jurisdiction and substance by law; the lab configures them. A net weight is compared with
// each by the ILAC G8:09/2019 guarded-acceptance decision rule: the weight is above a
// threshold only if value - U > threshold, below only if value + U < threshold, otherwise the
// statement is inconclusive at that threshold (the guard band is U itself).
import { AnalysisErrors } from './errors.ts';

export type ThresholdLevel = 'significant' | 'large' | 'especially_large';
export const THRESHOLD_LEVELS: readonly ThresholdLevel[] = ['significant', 'large', 'especially_large'];

export interface ThresholdSet {
  jurisdiction: string;
  substance: string;
  /** Grams; a level the law does not define is absent. */
  significant?: number | undefined;
  large?: number | undefined;
  especially_large?: number | undefined;
  /** The legal act the figures come from, quoted on the report. */
  source: string;
}

export type Conformity = 'above' | 'below' | 'inconclusive';

export interface ThresholdDecision {
  level: ThresholdLevel;
  threshold: number;
  decision: Conformity;
}

export interface ThresholdAssessment {
  jurisdiction: string;
  substance: string;
  source: string;
  value: number;
  expandedUncertainty: number;
  decisions: ThresholdDecision[];
  /** The highest level the weight is shown to exceed, or `none`. */
  established: ThresholdLevel | 'none';
  decisionRule: string;
  statement: string;
}

export const DECISION_RULE =
  'ILAC G8:09/2019 guarded acceptance with guard band w = U (k = 2): a threshold is exceeded when the measured value minus U is above it, ' +
  'not reached when the value plus U is below it; otherwise no statement of conformity is made for it.';

export function decide(value: number, expanded: number, threshold: number): Conformity {
  if (value - expanded > threshold) return 'above';
  if (value + expanded < threshold) return 'below';
  return 'inconclusive';
}

function normalise(s: string): string {
  return s.trim().toLowerCase();
}

export function findThresholds(config: readonly ThresholdSet[], jurisdiction: string, substance: string): ThresholdSet {
  const found = config.find(
    (t) => normalise(t.jurisdiction) === normalise(jurisdiction) && normalise(t.substance) === normalise(substance),
  );
  if (found === undefined) {
    throw AnalysisErrors.ANALYSIS_ERR_NO_THRESHOLDS(
      `no legal thresholds configured for ${substance} in ${jurisdiction}`,
    );
  }
  return found;
}

const LEVEL_TEXT: Record<ThresholdLevel, string> = {
  significant: 'significant amount',
  large: 'large amount',
  especially_large: 'especially large amount',
};

/** Compares a net weight (grams, with U at k = 2) with a jurisdiction's thresholds. */
export function assessThresholds(set: ThresholdSet, value: number, expanded: number): ThresholdAssessment {
  const decisions: ThresholdDecision[] = [];
  for (const level of THRESHOLD_LEVELS) {
    const threshold = set[level];
    if (threshold !== undefined) decisions.push({ level, threshold, decision: decide(value, expanded, threshold) });
  }
  const above = decisions.filter((d) => d.decision === 'above');
  const established = above.at(-1)?.level ?? 'none';
  const parts = decisions.map((d) => {
    const what = `${LEVEL_TEXT[d.level]} (${d.threshold} g)`;
    if (d.decision === 'above') return `exceeds the ${what}`;
    if (d.decision === 'below') return `is below the ${what}`;
    return `cannot be stated to exceed or be below the ${what}, as the threshold lies within the expanded uncertainty`;
  });
  const statement =
    `The net weight ${value} g ± ${expanded} g (k = 2) of ${set.substance} ` +
    (parts.length === 0 ? 'has no thresholds defined' : parts.join('; ')) +
    ` under ${set.source} (${set.jurisdiction}).`;
  return {
    jurisdiction: set.jurisdiction,
    substance: set.substance,
    source: set.source,
    value,
    expandedUncertainty: expanded,
    decisions,
    established,
    decisionRule: DECISION_RULE,
    statement,
  };
}
