// Intake's wire contracts: HTTP bodies of services/intake and the payloads of the intake.* events.
// The intake domain takes its types from here (z.infer), so these schemas are the one source of truth.
import { z } from 'zod';
import { AgencyId, CaseId, ESignatureToken, Id, IsoDate, IsoDateTime, LabNo, Sha256Hex } from './common.ts';

// ---------------------------------------------------------------- shared pieces

const text = (max: number) => z.string().trim().min(1).max(max);
const id = Id;

/** A person named in a custody record. People with an account carry their `userId`; agency couriers may not. */
export const Party = z.object({
  userId: id.optional(),
  name: text(200),
  rank: text(100).optional(),
  organisation: text(200).optional(),
});
export type Party = z.infer<typeof Party>;

export const SignatureMeaning = z.enum(['released', 'received', 'witnessed', 'performed']);
export type SignatureMeaning = z.infer<typeof SignatureMeaning>;

/** An electronic signature as recorded (ISO 17025 7.5, 21 CFR 11.50): who, printed name, when, meaning. */
export const ESignature = z.object({
  by: z.string().min(1),
  printedName: z.string().min(1),
  time: IsoDateTime,
  meaning: SignatureMeaning,
});
export type ESignature = z.infer<typeof ESignature>;

export const BlobRefBody = z.object({
  sha256: Sha256Hex,
  size: z.number().int().nonnegative(),
  contentType: text(100),
});
export type BlobRefBody = z.infer<typeof BlobRefBody>;

export const Weight = z.object({
  grams: z.number().positive().max(1_000_000),
  balanceId: id,
});
export type Weight = z.infer<typeof Weight>;

export const SealOnReceipt = z.object({ number: text(64), intact: z.boolean() });
export type SealOnReceipt = z.infer<typeof SealOnReceipt>;

// ---------------------------------------------------------------- agencies and cases

export const AgencyKind = z.enum(['police', 'customs', 'drug_control', 'prosecutor', 'court', 'other']);
export const CreateAgencyBody = z.object({ agencyId: id, name: text(200), kind: AgencyKind });
export type CreateAgencyBody = z.infer<typeof CreateAgencyBody>;

export const Investigator = z.object({
  name: text(200),
  rank: text(100).optional(),
  contact: text(200),
});
export type Investigator = z.infer<typeof Investigator>;

export const AddInvestigatorBody = Investigator.extend({ investigatorId: id });
export type AddInvestigatorBody = z.infer<typeof AddInvestigatorBody>;

export const OpenCaseBody = z.object({
  agencyId: id,
  agencyCaseNumber: text(100),
  investigator: Investigator,
  offence: text(500),
  legalBasis: text(500).optional(),
  jurisdiction: text(200),
  seizureDate: IsoDate,
  request: text(4000),
});
export type OpenCaseBody = z.infer<typeof OpenCaseBody>;

// ---------------------------------------------------------------- items

export const ReceiveItemBody = z.object({
  exhibitNo: text(64),
  description: text(2000),
  packaging: text(500),
  seals: z.array(SealOnReceipt).max(20),
  grossWeight: Weight,
  unitCount: z.number().int().positive().optional(),
  condition: text(1000),
  photos: z.array(BlobRefBody).max(20).default([]),
  deliveredBy: Party,
  remarks: text(2000).optional(),
});
export type ReceiveItemBody = z.infer<typeof ReceiveItemBody>;

export const SubSampleBody = z.object({
  description: text(1000),
  packaging: text(500),
  grossBefore: Weight,
  grossAfter: Weight,
  portionGrams: z.number().positive().max(1_000_000),
  sealNumber: text(64).optional(),
  remarks: text(2000).optional(),
});
export type SubSampleBody = z.infer<typeof SubSampleBody>;

// ---------------------------------------------------------------- custody

const custodyCommon = { remarks: text(2000).optional(), photos: z.array(BlobRefBody).max(20).default([]) };

/** Moves a technician records on an item with POST /v1/items/:labNo/custody. */
export const CustodyCommandBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('store'), locationId: id, ...custodyCommon }),
  z.object({ kind: z.literal('retrieve'), purpose: text(500), ...custodyCommon }),
  z.object({ kind: z.literal('open_seal'), sealNumber: text(64), purpose: text(500), condition: text(1000), ...custodyCommon }),
  z.object({ kind: z.literal('reseal'), newSealNumber: text(64), ...custodyCommon }),
  z.object({ kind: z.literal('return_to_agency'), to: Party, authority: text(500), ...custodyCommon }),
  z.object({ kind: z.literal('propose_destruction'), authority: text(500), method: text(500), ...custodyCommon }),
  z.object({ kind: z.literal('witness_destruction'), ...custodyCommon }),
]);
export type CustodyCommandBody = z.infer<typeof CustodyCommandBody>;

export const OfferTransferBody = z.object({
  to: Party.extend({ userId: id }),
  purpose: text(500),
  condition: text(1000).optional(),
  remarks: text(2000).optional(),
});
export type OfferTransferBody = z.infer<typeof OfferTransferBody>;

export const AcceptTransferBody = z.object({
  condition: text(1000).optional(),
  remarks: text(2000).optional(),
});
export type AcceptTransferBody = z.infer<typeof AcceptTransferBody>;

export const CustodyKind = z.enum([
  'received',
  'sub_sample_created',
  'stored',
  'retrieved',
  'transfer_offered',
  'transfer_declined',
  'transferred',
  'sub_sampled',
  'seal_opened',
  'resealed',
  'sent_for_analysis',
  'returned_to_agency',
  'destruction_proposed',
  'destroyed',
]);
export type CustodyKind = z.infer<typeof CustodyKind>;

export const LocationRef = z.object({ locationId: z.string(), path: z.string() });
export type LocationRef = z.infer<typeof LocationRef>;

/**
 * One custody event as recorded in an item's ledger (before the hash chain wraps it).
 * Field names follow the usual chain-of-custody form: who released, who or where received, purpose,
 * condition and seals in/out, weights before/after when material is taken, location, remarks, photos.
 */
export const CustodyRecord = z.object({
  kind: CustodyKind,
  labNo: LabNo,
  exhibitNo: z.string(),
  time: IsoDateTime,
  actor: Party,
  releasedBy: Party.optional(),
  receivedBy: Party.optional(),
  location: LocationRef.optional(),
  purpose: z.string().optional(),
  condition: z.string().optional(),
  sealsIn: z.array(z.string()),
  sealsOut: z.array(z.string()),
  weights: z
    .object({ grossBeforeGrams: z.number(), grossAfterGrams: z.number(), portionGrams: z.number(), balanceId: z.string() })
    .optional(),
  remarks: z.string().optional(),
  photos: z.array(BlobRefBody),
  signatures: z.array(ESignature),
  /** Kind-specific references: transferId, childLabNo, parentLabNo, authority, analysisRequestId... */
  details: z.record(z.string(), z.string()),
});
export type CustodyRecord = z.infer<typeof CustodyRecord>;

// ---------------------------------------------------------------- deviations

export const DeviationKind = z.enum([
  'broken_seal',
  'weight_mismatch',
  'insufficient_quantity',
  'packaging_damaged',
  'description_mismatch',
  'other',
]);
export type DeviationKind = z.infer<typeof DeviationKind>;

export const RecordDeviationBody = z.object({ kind: DeviationKind, description: text(2000) });
export type RecordDeviationBody = z.infer<typeof RecordDeviationBody>;

export const DeviationDecision = z.enum(['proceed', 'proceed_with_reservation', 'return_to_agency', 'decline_analysis']);
export type DeviationDecision = z.infer<typeof DeviationDecision>;

export const AgencyConsultation = z.object({
  contactedAt: IsoDateTime,
  contactName: text(200),
  method: z.enum(['phone', 'email', 'letter', 'in_person']),
  outcome: text(2000),
});
export type AgencyConsultation = z.infer<typeof AgencyConsultation>;

export const ResolveDeviationBody = z.object({
  decision: DeviationDecision,
  rationale: text(2000),
  agencyConsultation: AgencyConsultation,
});
export type ResolveDeviationBody = z.infer<typeof ResolveDeviationBody>;

// ---------------------------------------------------------------- analysis requests, locations

export const AnalysisRequestBody = z.object({
  /** What to determine, e.g. `identification`, `purity`, `net_weight`. */
  determinations: z.array(z.string().trim().min(1).max(100)).min(1).max(10),
  priority: z.enum(['routine', 'urgent']).default('routine'),
  to: Party.optional(),
  remarks: text(2000).optional(),
});
export type AnalysisRequestBody = z.infer<typeof AnalysisRequestBody>;

export const LocationKind = z.enum(['store', 'room', 'cabinet', 'shelf', 'bin']);
export type LocationKind = z.infer<typeof LocationKind>;

export const LocationAccess = z.object({
  userIds: z.array(id).max(500).default([]),
  roles: z.array(z.string().min(1)).max(20).default([]),
});
export type LocationAccess = z.infer<typeof LocationAccess>;

export const CreateLocationBody = z.object({
  locationId: id,
  kind: LocationKind,
  name: text(200),
  parentId: id.optional(),
  /** Who may put items in or take them out. Empty lists inherit the parent's access. */
  access: LocationAccess.default({ userIds: [], roles: [] }),
});
export type CreateLocationBody = z.infer<typeof CreateLocationBody>;

// ---------------------------------------------------------------- route queries and signed parts

/** Declining a hand-over changes nothing but the offer: a signature is recorded when given. */
export const DeclineTransferBody = AcceptTransferBody.extend({ eSignature: ESignatureToken.optional() });
export type DeclineTransferBody = z.infer<typeof DeclineTransferBody>;

/** The witness's part of a destruction (POST /v1/items/:labNo/destruction/witness). */
export const WitnessDestructionBody = z.object({
  eSignature: ESignatureToken,
  remarks: text(2000).optional(),
  photos: z.array(BlobRefBody).max(20).default([]),
});
export type WitnessDestructionBody = z.infer<typeof WitnessDestructionBody>;

export const CaseListQuery = z.object({
  agencyId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type CaseListQuery = z.infer<typeof CaseListQuery>;

export const LabelQuery = z.object({ symbology: z.enum(['code128', 'datamatrix']).default('code128') });
export type LabelQuery = z.infer<typeof LabelQuery>;

/** A sheet of labels: the lab numbers comma-separated. */
export const LabelSheetQuery = LabelQuery.extend({
  labNos: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(LabNo).min(1).max(200)),
});
export type LabelSheetQuery = z.infer<typeof LabelSheetQuery>;

/** The signed checkpoint, with the consistency proof from the tree size `from`. */
export const CustodyCheckpointQuery = z.object({ from: z.coerce.number().int().min(0).default(0) });
export type CustodyCheckpointQuery = z.infer<typeof CustodyCheckpointQuery>;

/** Where an item stands in the inventory, derived from its last custody event. */
export const InventoryStatus = z.enum(['in_storage', 'with_person', 'sent_for_analysis', 'returned', 'destroyed']);
export type InventoryStatus = z.infer<typeof InventoryStatus>;

export const InventoryQuery = z.object({
  /** The location and every one below it. */
  locationId: id.optional(),
  holder: id.optional(),
  status: InventoryStatus.optional(),
  caseId: id.optional(),
  /** The last lab number of the previous page. */
  cursor: LabNo.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type InventoryQuery = z.infer<typeof InventoryQuery>;

/** Query of a photo upload (the body is the image itself). */
export const PhotoUploadQuery = z.object({
  caption: text(500).optional(),
  /** The custody event the photo documents. */
  custodyEventId: z.uuid().optional(),
});
export type PhotoUploadQuery = z.infer<typeof PhotoUploadQuery>;

// ---------------------------------------------------------------- path parameters

/** `/v1/agencies/:agencyId`. */
export const AgencyParams = z.object({ agencyId: AgencyId });
export type AgencyParams = z.infer<typeof AgencyParams>;

/** `/v1/cases/:caseId`. */
export const CaseParams = z.object({ caseId: CaseId });
export type CaseParams = z.infer<typeof CaseParams>;

/** `/v1/items/:labNo`. */
export const ItemParams = z.object({ labNo: LabNo });
export type ItemParams = z.infer<typeof ItemParams>;

/** `/v1/items/:labNo/photos/:photoId`. */
export const PhotoParams = ItemParams.extend({ photoId: z.uuid() });
export type PhotoParams = z.infer<typeof PhotoParams>;

/** `/v1/items/:labNo/transfers/:transferId/{accept,decline}`. */
export const TransferParams = ItemParams.extend({ transferId: z.uuid() });
export type TransferParams = z.infer<typeof TransferParams>;

/** `/v1/items/:labNo/deviations/:deviationId/resolve`. */
export const DeviationParams = ItemParams.extend({ deviationId: z.uuid() });
export type DeviationParams = z.infer<typeof DeviationParams>;

/** `/v1/items/by-barcode/:code`: whatever a scanner read off a label (the service decodes it to a lab number). */
export const BarcodeParams = z.object({ code: z.string().min(1).max(200) });
export type BarcodeParams = z.infer<typeof BarcodeParams>;
