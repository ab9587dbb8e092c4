// SWGDRUG minimum requirements for identifying a seized drug (Recommendations, Part III B).
// Techniques fall into three categories by their discriminating power:
//   A (structural information): MS, IR, Raman, NMR, X-ray diffractometry
//   B (selective): CE, GC, IMS, LC, microcrystalline tests, pharmaceutical identifiers, TLC,
//     and for cannabis only macroscopic and microscopic examination
//   C (supporting): colour tests, fluorescence spectroscopy, immunoassay, melting point, UV
// The rule: with a Category A technique, at least one other technique (any category); without
// one, at least three different techniques of which at least two are uncorrelated Category B
// techniques. Only positive results count; a hyphenated technique (GC-MS) counts as two only
// when the data of both parts are used, which is why each part is recorded separately here.
import type { AnalysisTechnique } from '@tamga/contracts';
import { AnalysisErrors } from './errors.ts';

export type SwgdrugCategory = 'A' | 'B' | 'C';

export interface TechniqueInfo {
  code: string;
  name: string;
  category: SwgdrugCategory;
  /** Category B only when the material is cannabis (botanical examinations). */
  cannabisOnly?: boolean;
}

export const TECHNIQUES = {
  MS: { code: 'MS', name: 'Mass spectrometry', category: 'A' },
  IR: { code: 'IR', name: 'Infrared spectroscopy', category: 'A' },
  RAMAN: { code: 'RAMAN', name: 'Raman spectroscopy', category: 'A' },
  NMR: { code: 'NMR', name: 'Nuclear magnetic resonance spectroscopy', category: 'A' },
  XRD: { code: 'XRD', name: 'X-ray diffractometry', category: 'A' },
  CE: { code: 'CE', name: 'Capillary electrophoresis', category: 'B' },
  GC: { code: 'GC', name: 'Gas chromatography (retention time)', category: 'B' },
  IMS: { code: 'IMS', name: 'Ion mobility spectrometry', category: 'B' },
  LC: { code: 'LC', name: 'Liquid chromatography (retention time)', category: 'B' },
  MICROCRYSTALLINE: { code: 'MICROCRYSTALLINE', name: 'Microcrystalline tests', category: 'B' },
  PHARMACEUTICAL_ID: { code: 'PHARMACEUTICAL_ID', name: 'Pharmaceutical identifiers', category: 'B' },
  TLC: { code: 'TLC', name: 'Thin layer chromatography', category: 'B' },
  MACROSCOPIC: {
    code: 'MACROSCOPIC',
    name: 'Macroscopic examination (cannabis only)',
    category: 'B',
    cannabisOnly: true,
  },
  MICROSCOPIC: {
    code: 'MICROSCOPIC',
    name: 'Microscopic examination (cannabis only)',
    category: 'B',
    cannabisOnly: true,
  },
  COLOUR: { code: 'COLOUR', name: 'Colour tests', category: 'C' },
  FLUORESCENCE: { code: 'FLUORESCENCE', name: 'Fluorescence spectroscopy', category: 'C' },
  IMMUNOASSAY: { code: 'IMMUNOASSAY', name: 'Immunoassay', category: 'C' },
  MELTING_POINT: { code: 'MELTING_POINT', name: 'Melting point', category: 'C' },
  UV: { code: 'UV', name: 'Ultraviolet spectroscopy', category: 'C' },
} as const satisfies Record<AnalysisTechnique, TechniqueInfo>;

export type TechniqueCode = keyof typeof TECHNIQUES;
export const TECHNIQUE_CODES = Object.keys(TECHNIQUES) as TechniqueCode[];

export function techniqueInfo(code: string): TechniqueInfo {
  if (!Object.hasOwn(TECHNIQUES, code)) {
    throw AnalysisErrors.ANALYSIS_ERR_UNKNOWN_TECHNIQUE(
      `unknown technique "${code}"; known: ${TECHNIQUE_CODES.join(', ')}`,
    );
  }
  return TECHNIQUES[code as TechniqueCode];
}

export interface TechniqueUse {
  technique: TechniqueCode;
  result: 'positive' | 'negative' | 'inconclusive';
  /**
   * Techniques sharing a group are correlated (e.g. GC retention and LC on the same extract are
   * independent, but two GC columns with the same phase are not): they count once toward the
   * two uncorrelated Category B techniques.
   */
  correlationGroup?: string | undefined;
}

export type Material = 'general' | 'cannabis';

export interface SwgdrugAssessment {
  met: boolean;
  /** Which branch of the rule was applied. */
  scheme: 'category_a' | 'without_category_a';
  /** Distinct positive techniques that counted, with their category. */
  counted: { technique: TechniqueCode; category: SwgdrugCategory }[];
  /** Why the rule is not met (empty when met). */
  reasons: string[];
}

/** The category a technique counts as for this material; undefined when it does not count at all. */
function countedCategory(info: TechniqueInfo, material: Material): SwgdrugCategory | undefined {
  if (info.cannabisOnly === true && material !== 'cannabis') return undefined;
  return info.category;
}

/** Assesses an identification scheme against the SWGDRUG minimum (pure; never throws on a failing scheme). */
export function assessIdentification(uses: readonly TechniqueUse[], material: Material = 'general'): SwgdrugAssessment {
  const reasons: string[] = [];
  const seen = new Map<TechniqueCode, { category: SwgdrugCategory; group: string }>();
  for (const use of uses) {
    const info = techniqueInfo(use.technique);
    if (use.result !== 'positive') continue;
    const category = countedCategory(info, material);
    if (category === undefined) {
      reasons.push(`${info.name} counts only for cannabis, not for ${material} material`);
      continue;
    }
    // The same technique used twice is still one technique.
    if (!seen.has(use.technique)) seen.set(use.technique, { category, group: use.correlationGroup ?? use.technique });
  }
  const counted = [...seen].map(([technique, v]) => ({ technique, category: v.category }));
  const hasA = counted.some((c) => c.category === 'A');
  if (hasA) {
    if (counted.length < 2) {
      reasons.push('a Category A technique needs at least one other technique with a positive result');
    }
    return { met: counted.length >= 2, scheme: 'category_a', counted, reasons: counted.length >= 2 ? [] : reasons };
  }
  const bGroups = new Set([...seen.values()].filter((v) => v.category === 'B').map((v) => v.group));
  if (counted.length < 3) {
    reasons.push(
      `without a Category A technique at least three different techniques are needed; ${counted.length} positive`,
    );
  }
  if (bGroups.size < 2) {
    reasons.push(
      `without a Category A technique at least two uncorrelated Category B techniques are needed; ${bGroups.size} found`,
    );
  }
  const met = counted.length >= 3 && bGroups.size >= 2;
  return { met, scheme: 'without_category_a', counted, reasons: met ? [] : reasons };
}

/** Throws ANALYSIS_ERR_SWGDRUG_RULE naming why, when an identification does not meet the rule. */
export function requireIdentification(
  uses: readonly TechniqueUse[],
  material: Material = 'general',
): SwgdrugAssessment {
  const assessment = assessIdentification(uses, material);
  if (!assessment.met) {
    throw AnalysisErrors.ANALYSIS_ERR_SWGDRUG_RULE(assessment.reasons.join('; '), {
      errors: assessment.reasons.map((message) => ({ field: 'body.techniques', message })),
    });
  }
  return assessment;
}
