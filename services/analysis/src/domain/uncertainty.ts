// Measurement uncertainty after the GUM (JCGM 100:2008): each budget component gives a value
// and how to turn it into a standard uncertainty (type A from repeated observations, type B
// from certificates, specifications, resolution), a sensitivity coefficient, and the combined
// standard uncertainty is the root sum of squares of c_i * u_i (uncorrelated inputs). The
// expanded uncertainty is U = k * u_c with k = 2 (about 95 % coverage for a normal output).
import { AnalysisErrors } from './errors.ts';

export type Distribution = 'normal' | 'rectangular' | 'triangular';

export interface BudgetComponent {
  name: string;
  /** A: evaluated statistically from repeated observations; B: by other means. */
  type: 'A' | 'B';
  /**
   * The quoted figure: a standard deviation or expanded uncertainty (normal), a half-width
   * (rectangular, triangular). In the unit of the measurand, or relative for relative budgets.
   */
  value: number;
  distribution: Distribution;
  /**
   * Divides `value` into a standard uncertainty. Defaults: normal 1 (value is already a
   * standard uncertainty), rectangular sqrt(3), triangular sqrt(6). For a certificate's U with
   * k = 2 give 2; for the mean of n readings with standard deviation s give sqrt(n).
   */
  divisor?: number | undefined;
  /** Sensitivity coefficient c_i (default 1). */
  sensitivity?: number | undefined;
}

export interface ComponentContribution extends BudgetComponent {
  divisor: number;
  sensitivity: number;
  /** Standard uncertainty u_i = value / divisor. */
  standardUncertainty: number;
  /** |c_i| * u_i. */
  contribution: number;
}

export interface UncertaintyBudget {
  components: ComponentContribution[];
  /** Combined standard uncertainty u_c. */
  combined: number;
  coverageFactor: number;
  /** Expanded uncertainty U = k * u_c. */
  expanded: number;
}

export const COVERAGE_FACTOR = 2;

const DEFAULT_DIVISOR: Record<Distribution, number> = {
  normal: 1,
  rectangular: Math.sqrt(3),
  triangular: Math.sqrt(6),
};

function check(ok: boolean, field: string, message: string): void {
  if (!ok) throw AnalysisErrors.ANALYSIS_ERR_BAD_BUDGET(`${field}: ${message}`, { errors: [{ field, message }] });
}

export function contributionOf(component: BudgetComponent, index = 0): ComponentContribution {
  const divisor = component.divisor ?? DEFAULT_DIVISOR[component.distribution];
  const sensitivity = component.sensitivity ?? 1;
  check(
    Number.isFinite(component.value) && component.value >= 0,
    `components.${index}.value`,
    'must be a finite number >= 0',
  );
  check(Number.isFinite(divisor) && divisor > 0, `components.${index}.divisor`, 'must be a finite number > 0');
  check(Number.isFinite(sensitivity), `components.${index}.sensitivity`, 'must be a finite number');
  const standardUncertainty = component.value / divisor;
  return {
    ...component,
    divisor,
    sensitivity,
    standardUncertainty,
    contribution: Math.abs(sensitivity) * standardUncertainty,
  };
}

/** Combines a budget: u_c = sqrt(sum (c_i u_i)^2), U = k u_c. */
export function combineBudget(
  components: readonly BudgetComponent[],
  coverageFactor = COVERAGE_FACTOR,
): UncertaintyBudget {
  check(components.length > 0, 'components', 'a budget needs at least one component');
  check(Number.isFinite(coverageFactor) && coverageFactor > 0, 'coverageFactor', 'must be > 0');
  const contributions = components.map((c, i) => contributionOf(c, i));
  const combined = Math.sqrt(contributions.reduce((s, c) => s + c.contribution ** 2, 0));
  return { components: contributions, combined, coverageFactor, expanded: coverageFactor * combined };
}

export interface MeasuredValue {
  value: number;
  unit: string;
  /** Expanded uncertainty, same unit as value. */
  expandedUncertainty: number;
  coverageFactor: number;
  budget: UncertaintyBudget;
  /** Present for relative budgets: u_c / value. */
  relativeCombined?: number;
}

/**
 * A value whose budget components are relative (e.g. purity: calibration curve, replicate
 * spread, reference-material purity, each as a fraction of the value): u_c,rel from the
 * budget, U = k * u_c,rel * value, in the value's unit.
 */
export function relativeResult(
  value: number,
  unit: string,
  components: readonly BudgetComponent[],
  coverageFactor = COVERAGE_FACTOR,
): MeasuredValue {
  check(Number.isFinite(value) && value >= 0, 'value', 'must be a finite number >= 0');
  const budget = combineBudget(components, coverageFactor);
  return {
    value,
    unit,
    expandedUncertainty: budget.expanded * value,
    coverageFactor,
    budget,
    relativeCombined: budget.combined,
  };
}

export interface BalanceSpec {
  /** Expanded uncertainty of the balance calibration certificate, grams. */
  calibrationU: number;
  /** Its coverage factor (usually 2). */
  calibrationK: number;
  /** Repeatability standard deviation of one weighing, grams (from the balance check records). */
  repeatabilitySd: number;
  /** Scale interval d, grams: optional rounding component d/2 rectangular per reading. */
  readability?: number | undefined;
}

export interface NetWeightInput {
  gross: number;
  packaging: number;
  balance: BalanceSpec;
}

/**
 * Net weight by difference (gross minus packaging): two weighings, each with the balance's
 * calibration and repeatability (and rounding, if given); sensitivities +1 for gross, -1 for
 * packaging. Treated as uncorrelated, which is conservative for calibration on one balance.
 */
export function netWeight(input: NetWeightInput): MeasuredValue {
  const { gross, packaging, balance } = input;
  check(Number.isFinite(gross) && gross > 0, 'gross', 'must be > 0');
  check(Number.isFinite(packaging) && packaging >= 0, 'packaging', 'must be >= 0');
  check(packaging <= gross, 'packaging', 'cannot weigh more than gross');
  const weighing = (label: string, sensitivity: number): BudgetComponent[] => [
    {
      name: `${label}: balance calibration`,
      type: 'B',
      value: balance.calibrationU,
      distribution: 'normal',
      divisor: balance.calibrationK,
      sensitivity,
    },
    { name: `${label}: repeatability`, type: 'A', value: balance.repeatabilitySd, distribution: 'normal', sensitivity },
    ...(balance.readability === undefined
      ? []
      : [
          {
            name: `${label}: rounding`,
            type: 'B' as const,
            value: balance.readability / 2,
            distribution: 'rectangular' as const,
            sensitivity,
          },
        ]),
  ];
  const budget = combineBudget([...weighing('gross', 1), ...weighing('packaging', -1)]);
  return {
    value: gross - packaging,
    unit: 'g',
    expandedUncertainty: budget.expanded,
    coverageFactor: budget.coverageFactor,
    budget,
  };
}

/**
 * Rounds for the report: U up to two significant figures (never understating it), the value
 * to the same decimal place.
 */
export function roundForReport(value: number, expanded: number): { value: number; expanded: number; decimals: number } {
  if (expanded <= 0) return { value, expanded, decimals: 0 };
  const exponent = Math.floor(Math.log10(expanded));
  const decimals = Math.max(0, 1 - exponent);
  const scale = 10 ** (1 - exponent);
  // The epsilon keeps exact values (0.12) from rounding up through binary noise.
  const up = Math.ceil(expanded * scale - 1e-9) / scale;
  const roundedValue = Math.round(value * scale) / scale;
  return { value: Number(roundedValue.toFixed(decimals)), expanded: Number(up.toFixed(decimals)), decimals };
}
