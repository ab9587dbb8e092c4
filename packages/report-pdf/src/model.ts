// The data a test report is rendered from: everything ISO/IEC 17025:2017 7.8 asks a report to
// state. The reporting service assembles it from its read models; this package only renders it.
// (It lives here until the contracts package takes it over.)
import { z } from 'zod';

/** Free text as the lab typed it: one string, or one string per language code (`{ ru, en }`). */
export const LocalizedText = z.union([z.string().min(1), z.record(z.string().min(2), z.string().min(1))]);
export type LocalizedText = z.infer<typeof LocalizedText>;

const Iso = z.iso.datetime({ offset: true });

/** A centroided mass spectrum: [m/z, intensity] pairs, any intensity scale. */
export const Peaks = z.array(z.tuple([z.number().positive(), z.number().nonnegative()]));
export type Peaks = z.infer<typeof Peaks>;

export const Seal = z.object({
  number: z.string().min(1),
  intact: z.boolean(),
});

export const CustodyHead = z.object({
  /** SHA-256 (hex) of the newest custody event of the item. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Number of custody events in the item's ledger. */
  size: z.number().int().positive(),
  /** Signed checkpoint id or Merkle root the head belongs to, if one was signed. */
  checkpoint: z.string().min(1).optional(),
});

export const ReportItem = z.object({
  labNo: z.string().min(1),
  exhibitNo: z.string().min(1).optional(),
  description: LocalizedText,
  packaging: LocalizedText.optional(),
  seals: z.array(Seal).default([]),
  conditionOnReceipt: LocalizedText.optional(),
  custodyHead: CustodyHead,
});
export type ReportItem = z.infer<typeof ReportItem>;

export const Quantity = z.object({
  value: z.number(),
  unit: z.string().min(1),
  /** Expanded uncertainty in the same unit, coverage factor `coverageFactor`. */
  expandedUncertainty: z.number().nonnegative().optional(),
  coverageFactor: z.number().positive().default(2),
});
export type Quantity = z.infer<typeof Quantity>;

export const ReportResult = z.object({
  labNo: z.string().min(1),
  substance: LocalizedText,
  /** e.g. "наркотическое средство" / "narcotic drug". */
  legalClass: LocalizedText.optional(),
  /** false = "no controlled substance detected" for this item. */
  identified: z.boolean().default(true),
  method: z.object({ sopId: z.string().min(1), version: z.string().min(1), techniques: z.array(z.string()).default([]) }),
  quantity: Quantity.optional(),
  netMass: Quantity.optional(),
  matchFactor: z.number().min(0).max(1000).optional(),
  /** Reverse match factor of the same hit, 0..1000. */
  reverseMatchFactor: z.number().min(0).max(1000).optional(),
  /** Spectral entropy similarity of the same hit, scaled to 0..1000. */
  entropySimilarity: z.number().min(0).max(1000).optional(),
  /** Name of the external provider when the result was subcontracted (7.8.2.1 j). */
  externalProvider: z.string().min(1).optional(),
  spectrum: z.object({ query: Peaks, reference: Peaks, referenceName: z.string().min(1) }).optional(),
});
export type ReportResult = z.infer<typeof ReportResult>;

export const ReportModel = z.object({
  /** Unique report number, printed on every page; ASCII so it survives every PDF string encoding. */
  reportNumber: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/),
  issuedAt: Iso,
  laboratory: z.object({
    name: LocalizedText,
    address: LocalizedText,
    /** Where the work was done, when not at the address above. */
    site: LocalizedText.optional(),
    accreditation: z.string().min(1).optional(),
  }),
  agency: z.object({
    name: LocalizedText,
    caseNumber: z.string().min(1).optional(),
    requestRef: z.string().min(1).optional(),
  }),
  investigator: z.object({ name: z.string().min(1), position: LocalizedText.optional() }),
  receivedAt: Iso,
  analysis: z.object({ from: Iso, to: Iso }),
  items: z.array(ReportItem).min(1),
  results: z.array(ReportResult).min(1),
  library: z.object({ name: z.string().min(1), version: z.string().min(1) }),
  samplingStatement: LocalizedText.optional(),
  deviations: z.array(LocalizedText).default([]),
  /** Statements of conformity with a legal threshold and the decision rule used (7.8.6). */
  conformity: z.array(LocalizedText).default([]),
  opinions: z.array(LocalizedText).default([]),
  authorizer: z.object({ name: z.string().min(1), role: LocalizedText, signedAt: Iso }),
  supersedes: z.object({ reportNumber: z.string().min(1), reason: LocalizedText }).optional(),
});
export type ReportModel = z.infer<typeof ReportModel>;
/** What callers pass in: defaults (empty lists, k = 2) are filled by the schema. */
export type ReportModelInput = z.input<typeof ReportModel>;
