// Events of the analysis context (stream ANALYSIS, subjects `analysis.>`). Add new analysis
// events here and to `analysisEvents`; the registry picks them up.
import { z } from 'zod';
import { CaseId, IsoDateTime, LabNo, PersonName, ResultId, UserId } from '../common.ts';

export const PersonRef = z.object({ id: UserId, name: PersonName });
export type PersonRef = z.infer<typeof PersonRef>;

/** A measured quantity with its expanded uncertainty and, optionally, the budget behind it. */
export const Quantity = z.object({
  value: z.number(),
  unit: z.string().min(1),
  expandedUncertainty: z.number().nonnegative().optional(),
  coverageFactor: z.number().positive().optional(),
  budget: z
    .array(z.object({ name: z.string(), type: z.enum(['A', 'B']), standardUncertainty: z.number(), sensitivity: z.number() }))
    .optional(),
});
export type Quantity = z.infer<typeof Quantity>;

/** (m/z, intensity). */
export const PeakPair = z.tuple([z.number().nonnegative(), z.number().nonnegative()]);

export const TechniqueUsed = z.object({
  technique: z.string().min(1),
  name: z.string().min(1),
  category: z.enum(['A', 'B', 'C']),
  result: z.enum(['positive', 'negative', 'inconclusive']),
});
export type TechniqueUsed = z.infer<typeof TechniqueUsed>;

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
    // What the report says about the result. Optional on the wire so that producers of the
    // skeleton's minimal event stay valid; the analysis service always sends them.
    identified: z.boolean().optional(),
    legalClass: z.string().optional(),
    /** Techniques as printed: "Mass spectrometry (SWGDRUG A)". */
    techniques: z.array(z.string()).optional(),
    techniqueUses: z.array(TechniqueUsed).optional(),
    method: z.object({ sopId: z.string().min(1), version: z.string().min(1) }).optional(),
    purity: Quantity.optional(),
    netWeight: Quantity.optional(),
    /** Identity match factor (0..1000) of the hit supporting the identification. */
    matchFactor: z.number().optional(),
    /** Query and library spectra of that hit, for the mirror plot. */
    spectrum: z
      .object({ query: z.array(PeakPair), reference: z.array(PeakPair), referenceName: z.string().min(1) })
      .optional(),
    hit: z
      .object({
        name: z.string(),
        libraryRecordId: z.string(),
        mf: z.number(),
        rmf: z.number(),
        score: z.number(),
        probability: z.number(),
        /** Spectral entropy similarity x 1000 (Li et al. 2021). */
        entropy: z.number().optional(),
        /** Retention index of the unknown minus the library record's, when both carry one. */
        riDelta: z.number().optional(),
      })
      .optional(),
    qc: z.array(z.object({ kind: z.string(), reference: z.string(), passed: z.boolean() })).optional(),
    samplingStatement: z.string().optional(),
    /** Name of the external provider whose result this is (ISO/IEC 17025 7.8.2.1 p). */
    externalProvider: z.string().optional(),
    /** Opinions and interpretations, kept apart from results (7.8.7). */
    opinions: z.array(z.string()).optional(),
    /** Statement of conformity with the legal thresholds, and its decision rule (7.8.6). */
    conformity: z.string().optional(),
    decisionRule: z.string().optional(),
    observations: z.string().optional(),
    analysedFrom: IsoDateTime.optional(),
    signature: z.object({ printedName: PersonName, meaning: z.string().min(1), signedAt: IsoDateTime }).optional(),
    /** Present on version 2+: why the approved result was corrected. */
    correction: z.object({ reason: z.string().min(1), supersedesVersion: z.number().int().min(1) }).optional(),
  })
  .refine((r) => r.analyst.id !== r.reviewer.id, {
    message: 'the reviewer of a result is never its analyst',
    path: ['reviewer', 'id'],
  });
export type ResultApproved = z.infer<typeof ResultApproved>;

export const analysisEvents = {
  'analysis.result.approved': ResultApproved,
} as const;
