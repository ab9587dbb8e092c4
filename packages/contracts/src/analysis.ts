// HTTP bodies and views of the analysis service: work queue, spectra, libraries, findings,
// review and corrections. Types come from the schemas.
import { z } from 'zod';
import { Id, IsoDateTime, LabNo, PersonName, Sha256Hex, SignedActBody } from './common.ts';

/** SWGDRUG technique codes (categories live with the rule in services/analysis). */
export const AnalysisTechnique = z.enum([
  'MS',
  'IR',
  'RAMAN',
  'NMR',
  'XRD',
  'CE',
  'GC',
  'IMS',
  'LC',
  'MICROCRYSTALLINE',
  'PHARMACEUTICAL_ID',
  'TLC',
  'MACROSCOPIC',
  'MICROSCOPIC',
  'COLOUR',
  'FLUORESCENCE',
  'IMMUNOASSAY',
  'MELTING_POINT',
  'UV',
]);
export type AnalysisTechnique = z.infer<typeof AnalysisTechnique>;

export const WorkItemStatus = z.enum(['queued', 'in_progress', 'awaiting_review', 'approved', 'rejected']);
export type WorkItemStatus = z.infer<typeof WorkItemStatus>;

const Text = (max: number) => z.string().trim().min(1).max(max);

export const SopRef = z.object({ id: Text(100), version: Text(50) });
export type SopRef = z.infer<typeof SopRef>;

export const AssignBody = z.object({
  /** Omit to claim the item for yourself. */
  analyst: z.object({ id: Id, name: PersonName }).optional(),
});
export type AssignBody = z.infer<typeof AssignBody>;

export const WorkItemQuery = z.object({
  status: WorkItemStatus.optional(),
  mine: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type WorkItemQuery = z.infer<typeof WorkItemQuery>;

/** Query of a raw spectrum upload (the body is the file itself). */
export const SpectrumUploadQuery = z.object({
  filename: Text(255),
  instrument: Text(200).optional(),
  method: Text(200).optional(),
  injectionId: Text(100).optional(),
  sampleId: Text(100).optional(),
  /** Minutes. */
  retentionTime: z.coerce.number().nonnegative().optional(),
  /** Which spectrum of a multi-record file to search (default: all, each searched). */
  top: z.coerce.number().int().min(1).max(100).default(10),
});
export type SpectrumUploadQuery = z.infer<typeof SpectrumUploadQuery>;

/** Query of a library import (the body is the MSP file). */
export const LibraryImportQuery = z.object({
  name: Text(200),
  version: Text(100),
});
export type LibraryImportQuery = z.infer<typeof LibraryImportQuery>;

export const CrmReference = z.object({
  /** Certified reference material name as on its certificate. */
  name: Text(300),
  lot: Text(100),
  certificate: Text(300),
  expires: z.iso.date().optional(),
});
export type CrmReference = z.infer<typeof CrmReference>;

/** Adds the lab's own CRM spectra (MSP text) to a library, creating the new version named. */
export const CrmSpectraBody = z.object({
  newVersion: Text(100),
  crm: CrmReference,
  msp: z.string().min(1).max(5_000_000),
});
export type CrmSpectraBody = z.infer<typeof CrmSpectraBody>;

export const BudgetComponentBody = z.object({
  name: Text(200),
  type: z.enum(['A', 'B']),
  value: z.number().nonnegative(),
  distribution: z.enum(['normal', 'rectangular', 'triangular']),
  divisor: z.number().positive().optional(),
  sensitivity: z.number().optional(),
});
export type BudgetComponentBody = z.infer<typeof BudgetComponentBody>;

export const TechniqueUseBody = z.object({
  technique: AnalysisTechnique,
  result: z.enum(['positive', 'negative', 'inconclusive']),
  /** An uploaded spectrum this technique's data came from. */
  spectrumId: Id.optional(),
  instrument: Text(200).optional(),
  correlationGroup: Text(100).optional(),
  notes: Text(2000).optional(),
});
export type TechniqueUseBody = z.infer<typeof TechniqueUseBody>;

export const QcReference = z.object({
  kind: z.enum(['blank', 'positive_control', 'tune_check']),
  reference: Text(300),
  passed: z.boolean(),
});
export type QcReference = z.infer<typeof QcReference>;

export const FindingsBody = z
  .object({
    sop: SopRef,
    conclusion: z.enum(['identified', 'no_controlled_substance_detected']),
    substance: Text(300).optional(),
    legalClass: Text(200).optional(),
    material: z.enum(['general', 'cannabis']).default('general'),
    techniques: z.array(TechniqueUseBody).min(1),
    /** The library hit that supports the identification: an uploaded spectrum and the hit's rank. */
    hit: z.object({ spectrumId: Id, index: z.number().int().min(0).default(0), rank: z.number().int().min(1) }).optional(),
    qc: z.array(QcReference).default([]),
    netWeight: z
      .object({
        gross: z.number().positive(),
        packaging: z.number().nonnegative(),
        balance: z.object({
          calibrationU: z.number().nonnegative(),
          calibrationK: z.number().positive(),
          repeatabilitySd: z.number().nonnegative(),
          readability: z.number().positive().optional(),
        }),
        /** Compare with this jurisdiction's legal thresholds. */
        jurisdiction: Text(100).optional(),
      })
      .optional(),
    purity: z.object({ value: z.number().min(0).max(100), components: z.array(BudgetComponentBody).min(1) }).optional(),
    sampling: z
      .object({
        population: z.number().int().min(1).max(100_000),
        sampled: z.number().int().min(1),
        positives: z.number().int().min(0),
        confidence: z.number().gt(0).lt(1).default(0.95),
        method: z.enum(['hypergeometric', 'bayesian']),
        prior: z.object({ a: z.number().positive(), b: z.number().positive() }).optional(),
      })
      .optional(),
    externalProvider: z.object({ name: Text(300), accreditation: Text(300).optional() }).optional(),
    observations: Text(5000).optional(),
  })
  .refine((f) => f.conclusion !== 'identified' || f.substance !== undefined, {
    message: 'an identification names the substance',
    path: ['substance'],
  });
export type FindingsBody = z.infer<typeof FindingsBody>;

export const OpinionBody = z.object({
  text: Text(5000),
  /** A conversation with the agency that led to the opinion (ISO/IEC 17025 7.8.7). */
  consultation: z.object({ with: Text(300), at: IsoDateTime, summary: Text(2000) }).optional(),
});
export type OpinionBody = z.infer<typeof OpinionBody>;

export const ESignatureBody = z.object({
  printedName: PersonName,
  meaning: Text(300),
});
export type ESignatureBody = z.infer<typeof ESignatureBody>;

export const ReviewBody = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), signature: ESignatureBody, comments: Text(2000).optional() }),
  z.object({ decision: z.literal('send_back'), reasons: z.array(Text(2000)).min(1) }),
]);
export type ReviewBody = z.infer<typeof ReviewBody>;

export const CorrectionBody = z.object({ reason: Text(2000) });
export type CorrectionBody = z.infer<typeof CorrectionBody>;

export const HitView = z.object({
  rank: z.number().int(),
  name: z.string(),
  libraryRecordId: z.string(),
  inchikey: z.string(),
  score: z.number(),
  mf: z.number(),
  rmf: z.number(),
  probability: z.number(),
  /** What the search's checks took from `score` and why. */
  adjustments: z.array(z.object({ reason: z.enum(['derivative', 'low-mass', 'retention-index']), points: z.number() })).optional(),
});
export type HitView = z.infer<typeof HitView>;

export const SpectrumUploadView = z.object({
  id: Id,
  workItemId: Id,
  labNo: LabNo,
  filename: z.string(),
  raw: z.object({ sha256: Sha256Hex, size: z.number().int(), contentType: z.string() }),
  spectra: z.array(
    z.object({
      index: z.number().int(),
      name: z.string(),
      peakCount: z.number().int(),
      search: z.object({ library: z.object({ name: z.string(), version: z.string() }), measure: z.string(), hits: z.array(HitView) }),
    }),
  ),
  uploadedBy: z.object({ id: Id, name: PersonName }),
  uploadedAt: IsoDateTime,
});
export type SpectrumUploadView = z.infer<typeof SpectrumUploadView>;

// ---------------------------------------------------------------- route queries and signed bodies

/** A page cursor: the `nextCursor` of the previous page, as given. */
const PageCursor = z.string().min(1).max(300);

export const WorkItemPageQuery = WorkItemQuery.extend({ cursor: PageCursor.optional() });
export type WorkItemPageQuery = z.infer<typeof WorkItemPageQuery>;

export const ResultPageQuery = z.object({
  status: z.enum(['awaiting_review', 'approved', 'sent_back']).optional(),
  labNo: LabNo.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: PageCursor.optional(),
});
export type ResultPageQuery = z.infer<typeof ResultPageQuery>;

/** The review body plus the reviewer's e-signature ("approved" or "returned"). */
export const SignedReviewBody = z.intersection(ReviewBody, SignedActBody);
export type SignedReviewBody = z.infer<typeof SignedReviewBody>;

/** The correction body plus the e-signature ("corrected") of whoever reopens the result. */
export const SignedCorrectionBody = CorrectionBody.extend(SignedActBody.shape);
export type SignedCorrectionBody = z.infer<typeof SignedCorrectionBody>;

/** Which spectrum of an upload, and which of its hits, the mirror plot draws. */
export const MirrorPlotQuery = z.object({
  spectrum: z.coerce.number().int().min(0).default(0),
  rank: z.coerce.number().int().min(1).default(1),
});
export type MirrorPlotQuery = z.infer<typeof MirrorPlotQuery>;

// ---------------------------------------------------------------- path parameters

/** `/v1/work-items/:id`, `/v1/results/:id` and `/v1/spectra/:id`. */
export const IdParams = z.object({ id: Id });
export type IdParams = z.infer<typeof IdParams>;

/** `/v1/libraries/:name/versions/:version/...`. */
export const LibraryVersionParams = z.object({ name: z.string().min(1), version: z.string().min(1) });
export type LibraryVersionParams = z.infer<typeof LibraryVersionParams>;
