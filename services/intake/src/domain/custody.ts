// The custody decider: what may happen to an evidence item next, and what the ledger records.
// `decideCustody(command, item, ctx) -> records`, `evolveItem(item, record) -> item`; pure, `now`
// comes in through ctx. The records are the custody events; packages/custody chains and proves them.
import type {
  BlobRefBody,
  CustodyKind,
  CustodyRecord,
  ESignature,
  Party,
  ReceiveItemBody,
  SubSampleBody,
  Weight,
} from '@tamga/contracts';
import { IntakeErrors } from './errors.ts';
import { isStorable, mayAccess, type Person, type StorageLocation } from './locations.ts';

export interface SealState {
  number: string;
  /** applied: on the item and intact; opened: cut by us (kept on record); broken: found broken on receipt. */
  status: 'applied' | 'opened' | 'broken';
  appliedAt: string;
  openedAt?: string;
}

export type Custodian =
  | { kind: 'person'; userId: string; name: string }
  | { kind: 'location'; locationId: string; path: string };

export interface PendingTransfer {
  transferId: string;
  from: { userId: string; name: string };
  to: { userId: string; name: string };
  purpose: string;
  offeredAt: string;
  release: ESignature;
}

export interface PendingDestruction {
  proposedBy: { userId: string; name: string };
  authority: string;
  method: string;
  proposedAt: string;
  performed: ESignature;
}

export interface ItemState {
  labNo: string;
  caseId: string;
  agencyId: string;
  exhibitNo: string;
  description: string;
  packaging: string;
  seals: SealState[];
  grossWeight: Weight;
  unitCount?: number;
  condition: string;
  photos: BlobRefBody[];
  deliveredBy?: Party;
  parent?: { labNo: string; portionGrams: number };
  status: 'in_lab' | 'returned' | 'destroyed';
  custodian: Custodian;
  pendingTransfer?: PendingTransfer;
  pendingDestruction?: PendingDestruction;
  openDeviations: string[];
  /** Set when a receipt deviation was decided against analysis: the item may only go back to the agency. */
  analysisDeclined?: { deviationId: string; decision: 'return_to_agency' | 'decline_analysis' };
  subSampleCount: number;
  analysisRequests: string[];
  receivedAt: string;
  /** The latest custody event of the item (what the inventory shows). */
  lastCustody?: { kind: CustodyKind; time: string };
}

/** Who may witness a destruction: lab staff who handle evidence, never an investigator. */
export const DESTRUCTION_WITNESS_ROLES: readonly string[] = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin'];

export type CustodyCommand =
  | { kind: 'store'; locationId: string; remarks?: string; photos?: BlobRefBody[] }
  | { kind: 'retrieve'; purpose: string; remarks?: string; photos?: BlobRefBody[] }
  | { kind: 'open_seal'; sealNumber: string; purpose: string; condition: string; remarks?: string; photos?: BlobRefBody[] }
  | { kind: 'reseal'; newSealNumber: string; remarks?: string; photos?: BlobRefBody[] }
  | { kind: 'return_to_agency'; to: Party; authority: string; remarks?: string; photos?: BlobRefBody[] }
  | { kind: 'propose_destruction'; authority: string; method: string; remarks?: string; photos?: BlobRefBody[] }
  | { kind: 'witness_destruction'; remarks?: string; photos?: BlobRefBody[] }
  | { kind: 'offer_transfer'; transferId: string; to: { userId: string; name: string }; purpose: string; condition?: string; remarks?: string }
  | { kind: 'accept_transfer'; transferId: string; condition?: string; remarks?: string }
  | { kind: 'decline_transfer'; transferId: string; remarks?: string }
  | { kind: 'take_sub_sample'; childLabNo: string; body: SubSampleBody }
  | { kind: 'send_for_analysis'; requestId: string; to?: Party; remarks?: string };

export interface CustodyContext {
  now: Date;
  actor: Person;
  locations: ReadonlyMap<string, StorageLocation>;
  /** The actor's verified e-signature for this act: its printed name and time go into the record. */
  signed?: { printedName: string; time: string } | undefined;
}

// ------------------------------------------------------------------ the first record of an item

export interface ReceiveItem {
  labNo: string;
  caseId: string;
  agencyId: string;
  body: ReceiveItemBody;
}

/** An item received from an agency: its first state and its `received` record, signed by both sides. */
export function receiveItem(command: ReceiveItem, ctx: CustodyContext): { item: ItemState; record: CustodyRecord } {
  const { body } = command;
  assertDistinctSeals(body.seals.map((s) => s.number));
  const time = ctx.now.toISOString();
  const item: ItemState = {
    labNo: command.labNo,
    caseId: command.caseId,
    agencyId: command.agencyId,
    exhibitNo: body.exhibitNo,
    description: body.description,
    packaging: body.packaging,
    seals: body.seals.map((s) => ({ number: s.number, status: s.intact ? 'applied' : 'broken', appliedAt: time })),
    grossWeight: body.grossWeight,
    ...(body.unitCount === undefined ? {} : { unitCount: body.unitCount }),
    condition: body.condition,
    photos: body.photos,
    deliveredBy: body.deliveredBy,
    status: 'in_lab',
    custodian: personCustodian(ctx.actor),
    openDeviations: [],
    subSampleCount: 0,
    analysisRequests: [],
    receivedAt: time,
    lastCustody: { kind: 'received', time },
  };
  const record = baseRecord('received', item, ctx, {
    releasedBy: body.deliveredBy,
    receivedBy: personRef(ctx.actor),
    condition: body.condition,
    sealsIn: body.seals.map((s) => `${s.number}${s.intact ? '' : ' (broken)'}`),
    sealsOut: appliedSeals(item),
    ...(body.remarks === undefined ? {} : { remarks: body.remarks }),
    photos: body.photos,
    signatures: [
      // The courier signs the paper receipt; the system records the name the technician read from it.
      { by: body.deliveredBy.userId ?? 'external', printedName: body.deliveredBy.name, time, meaning: 'released' },
      signature(ctx, 'received'),
    ],
    details: { grossWeightGrams: String(body.grossWeight.grams), balanceId: body.grossWeight.balanceId },
  });
  return { item, record };
}

/** The child item made by `take_sub_sample`, held by whoever took it. */
export function createSubSample(parent: ItemState, childLabNo: string, body: SubSampleBody, ctx: CustodyContext): { item: ItemState; record: CustodyRecord } {
  const time = ctx.now.toISOString();
  const item: ItemState = {
    labNo: childLabNo,
    caseId: parent.caseId,
    agencyId: parent.agencyId,
    exhibitNo: parent.exhibitNo,
    description: body.description,
    packaging: body.packaging,
    seals: body.sealNumber === undefined ? [] : [{ number: body.sealNumber, status: 'applied', appliedAt: time }],
    grossWeight: { grams: body.portionGrams, balanceId: body.grossAfter.balanceId },
    condition: 'sub-sample',
    photos: [],
    parent: { labNo: parent.labNo, portionGrams: body.portionGrams },
    status: 'in_lab',
    custodian: personCustodian(ctx.actor),
    openDeviations: [],
    subSampleCount: 0,
    analysisRequests: [],
    receivedAt: time,
    lastCustody: { kind: 'sub_sample_created', time },
  };
  const record = baseRecord('sub_sample_created', item, ctx, {
    receivedBy: personRef(ctx.actor),
    sealsIn: [],
    sealsOut: appliedSeals(item),
    weights: weightsOf(body),
    ...(body.remarks === undefined ? {} : { remarks: body.remarks }),
    signatures: [signature(ctx, 'performed')],
    details: { parentLabNo: parent.labNo },
  });
  return { item, record };
}

// ------------------------------------------------------------------ decide

export function decideCustody(command: CustodyCommand, item: ItemState, ctx: CustodyContext): CustodyRecord[] {
  if (item.status === 'destroyed') throw IntakeErrors.INTAKE_ERR_ITEM_DESTROYED(`${item.labNo} was destroyed`);
  if (item.status === 'returned') throw IntakeErrors.INTAKE_ERR_ITEM_RETURNED(`${item.labNo} was returned to the agency`);

  // While a transfer is pending only its two parties may act on it; nothing else moves the item.
  if (item.pendingTransfer && !['accept_transfer', 'decline_transfer'].includes(command.kind)) {
    throw IntakeErrors.INTAKE_ERR_TRANSFER_NOT_ACCEPTED(
      `${item.labNo} is being handed to ${item.pendingTransfer.to.name}; the transfer must be accepted or declined first`,
    );
  }
  if (item.pendingDestruction && command.kind !== 'witness_destruction') {
    throw IntakeErrors.INTAKE_ERR_DESTRUCTION_PENDING(`${item.labNo} awaits the witness of its destruction`);
  }
  if ('photos' in command && command.photos !== undefined) assertPhotosOfItem(item, command.photos);

  switch (command.kind) {
    case 'store': {
      const location = ctx.locations.get(command.locationId);
      if (!location) throw IntakeErrors.INTAKE_ERR_LOCATION_NOT_FOUND(`No location "${command.locationId}"`);
      if (!isStorable(location)) throw IntakeErrors.INTAKE_ERR_LOCATION_NOT_STORABLE(`${location.path} is a ${location.kind}`);
      assertMayHandle(item, ctx);
      if (item.custodian.kind === 'location' && item.custodian.locationId === location.locationId) {
        throw IntakeErrors.INTAKE_ERR_ALREADY_STORED_HERE(`${item.labNo} is already in ${location.path}`);
      }
      if (!mayAccess(ctx.actor, location.locationId, ctx.locations)) {
        throw IntakeErrors.INTAKE_ERR_LOCATION_ACCESS(`${ctx.actor.name} may not use ${location.path}`);
      }
      return [
        baseRecord('stored', item, ctx, {
          releasedBy: custodianRef(item.custodian),
          location: { locationId: location.locationId, path: location.path },
          ...common(item, command),
          signatures: [signature(ctx, 'performed')],
          details: {},
        }),
      ];
    }
    case 'retrieve': {
      if (item.custodian.kind !== 'location') throw IntakeErrors.INTAKE_ERR_NOT_IN_STORAGE(`${item.labNo} is held by ${item.custodian.name}`);
      assertMayHandle(item, ctx);
      return [
        baseRecord('retrieved', item, ctx, {
          location: { locationId: item.custodian.locationId, path: item.custodian.path },
          receivedBy: personRef(ctx.actor),
          purpose: command.purpose,
          ...common(item, command),
          signatures: [signature(ctx, 'received')],
          details: {},
        }),
      ];
    }
    case 'open_seal': {
      assertHolder(item, ctx);
      const seal = item.seals.find((s) => s.number === command.sealNumber);
      if (!seal) throw IntakeErrors.INTAKE_ERR_SEAL_UNKNOWN(`${item.labNo} has no seal "${command.sealNumber}"`, { errors: [{ field: 'sealNumber', message: 'not a seal of this item' }] });
      if (seal.status !== 'applied') throw IntakeErrors.INTAKE_ERR_SEAL_NOT_APPLIED(`Seal ${seal.number} is ${seal.status}`);
      return [
        baseRecord('seal_opened', item, ctx, {
          purpose: command.purpose,
          ...common(item, command),
          condition: command.condition,
          sealsOut: appliedSeals(item).filter((n) => n !== seal.number),
          signatures: [signature(ctx, 'performed')],
          details: { sealNumber: seal.number },
        }),
      ];
    }
    case 'reseal': {
      assertHolder(item, ctx);
      if (item.seals.some((s) => s.number === command.newSealNumber)) {
        throw IntakeErrors.INTAKE_ERR_SEAL_NUMBER_REUSED(`Seal number ${command.newSealNumber} was already used on ${item.labNo}`, {
          errors: [{ field: 'newSealNumber', message: 'already used on this item' }],
        });
      }
      return [
        baseRecord('resealed', item, ctx, {
          ...common(item, command),
          sealsOut: [...appliedSeals(item), command.newSealNumber],
          signatures: [signature(ctx, 'performed')],
          details: { sealNumber: command.newSealNumber },
        }),
      ];
    }
    case 'offer_transfer': {
      assertHolder(item, ctx);
      if (command.to.userId === ctx.actor.userId) throw IntakeErrors.INTAKE_ERR_TRANSFER_TO_SELF(undefined, { errors: [{ field: 'to.userId', message: 'must be another person' }] });
      return [
        baseRecord('transfer_offered', item, ctx, {
          releasedBy: personRef(ctx.actor),
          receivedBy: command.to,
          purpose: command.purpose,
          ...common(item, command),
          signatures: [signature(ctx, 'released')],
          details: { transferId: command.transferId },
        }),
      ];
    }
    case 'accept_transfer':
    case 'decline_transfer': {
      const pending = item.pendingTransfer;
      if (!pending || pending.transferId !== command.transferId) {
        throw IntakeErrors.INTAKE_ERR_NO_PENDING_TRANSFER(`No pending transfer ${command.transferId} of ${item.labNo}`);
      }
      if (pending.to.userId !== ctx.actor.userId) {
        throw IntakeErrors.INTAKE_ERR_NOT_TRANSFER_RECIPIENT(`Transfer ${pending.transferId} is addressed to ${pending.to.name}`);
      }
      const accepted = command.kind === 'accept_transfer';
      return [
        baseRecord(accepted ? 'transferred' : 'transfer_declined', item, ctx, {
          releasedBy: pending.from,
          receivedBy: personRef(ctx.actor),
          purpose: pending.purpose,
          ...common(item, command),
          // A person-to-person transfer carries both signatures: the release given at the offer and this receipt.
          signatures: accepted ? [pending.release, signature(ctx, 'received')] : [],
          details: { transferId: pending.transferId },
        }),
      ];
    }
    case 'take_sub_sample': {
      assertAnalysisNotDeclined(item);
      assertHolder(item, ctx);
      if (appliedSeals(item).length > 0) throw IntakeErrors.INTAKE_ERR_SEAL_INTACT(`Seal(s) ${appliedSeals(item).join(', ')} of ${item.labNo} are intact`);
      const { body } = command;
      const taken = body.grossBefore.grams - body.grossAfter.grams;
      if (taken <= 0 || Math.abs(taken - body.portionGrams) > Math.max(0.0005, 0.01 * body.portionGrams)) {
        throw IntakeErrors.INTAKE_ERR_WEIGHT_INCONSISTENT(
          `Gross before ${body.grossBefore.grams} g minus after ${body.grossAfter.grams} g is not the portion ${body.portionGrams} g`,
          { errors: [{ field: 'portionGrams', message: 'must equal grossBefore - grossAfter' }] },
        );
      }
      return [
        baseRecord('sub_sampled', item, ctx, {
          purpose: 'sub-sample',
          weights: weightsOf(body),
          ...common(item, { remarks: body.remarks }),
          signatures: [signature(ctx, 'performed')],
          details: { childLabNo: command.childLabNo },
        }),
      ];
    }
    case 'send_for_analysis': {
      assertAnalysisNotDeclined(item);
      assertMayHandle(item, ctx);
      if (item.openDeviations.length > 0) {
        throw IntakeErrors.INTAKE_ERR_OPEN_DEVIATION(`${item.labNo} has open deviation(s) ${item.openDeviations.join(', ')}`);
      }
      return [
        baseRecord('sent_for_analysis', item, ctx, {
          releasedBy: personRef(ctx.actor),
          ...(command.to === undefined ? {} : { receivedBy: command.to }),
          purpose: 'analysis',
          ...common(item, command),
          signatures: [signature(ctx, 'released')],
          details: { analysisRequestId: command.requestId },
        }),
      ];
    }
    case 'return_to_agency': {
      assertHolder(item, ctx);
      return [
        baseRecord('returned_to_agency', item, ctx, {
          releasedBy: personRef(ctx.actor),
          receivedBy: command.to,
          purpose: 'return to the submitting agency',
          ...common(item, command),
          signatures: [
            signature(ctx, 'released'),
            { by: command.to.userId ?? 'external', printedName: command.to.name, time: ctx.now.toISOString(), meaning: 'received' },
          ],
          details: { authority: command.authority },
        }),
      ];
    }
    case 'propose_destruction': {
      assertHolder(item, ctx);
      return [
        baseRecord('destruction_proposed', item, ctx, {
          purpose: 'destruction',
          ...common(item, command),
          signatures: [signature(ctx, 'performed')],
          details: { authority: command.authority, method: command.method },
        }),
      ];
    }
    case 'witness_destruction': {
      const pending = item.pendingDestruction;
      if (!pending) throw IntakeErrors.INTAKE_ERR_NO_PENDING_DESTRUCTION(`${item.labNo} has no proposed destruction`);
      if (pending.proposedBy.userId === ctx.actor.userId) {
        throw IntakeErrors.INTAKE_ERR_WITNESS_SAME_PERSON(`${ctx.actor.name} proposed the destruction and cannot also witness it`);
      }
      if (!ctx.actor.roles.some((r) => DESTRUCTION_WITNESS_ROLES.includes(r))) {
        throw IntakeErrors.INTAKE_ERR_WITNESS_ROLE(`${ctx.actor.name} may not witness the destruction of evidence`);
      }
      return [
        baseRecord('destroyed', item, ctx, {
          releasedBy: pending.proposedBy,
          purpose: 'destruction',
          ...common(item, command),
          sealsOut: [],
          signatures: [pending.performed, signature(ctx, 'witnessed')],
          details: { authority: pending.authority, method: pending.method },
        }),
      ];
    }
  }
}

// ------------------------------------------------------------------ evolve

export function evolveItem(item: ItemState, record: CustodyRecord): ItemState {
  return { ...evolveHolding(item, record), lastCustody: { kind: record.kind, time: record.time } };
}

function evolveHolding(item: ItemState, record: CustodyRecord): ItemState {
  const actor = { userId: record.actor.userId ?? 'unknown', name: record.actor.name };
  switch (record.kind) {
    case 'received':
    case 'sub_sample_created':
      return item;
    case 'stored':
      return record.location ? { ...item, custodian: { kind: 'location', ...record.location } } : item;
    case 'retrieved':
      return { ...item, custodian: { kind: 'person', ...actor } };
    case 'transfer_offered': {
      const to = record.receivedBy;
      const release = record.signatures[0];
      if (!to?.userId || !release) return item;
      return {
        ...item,
        pendingTransfer: {
          transferId: record.details.transferId ?? '',
          from: actor,
          to: { userId: to.userId, name: to.name },
          purpose: record.purpose ?? '',
          offeredAt: record.time,
          release,
        },
      };
    }
    case 'transferred':
      return { ...withoutPendingTransfer(item), custodian: { kind: 'person', ...actor } };
    case 'transfer_declined':
      return withoutPendingTransfer(item);
    case 'seal_opened':
      return {
        ...item,
        seals: item.seals.map((s) => (s.number === record.details.sealNumber ? { ...s, status: 'opened', openedAt: record.time } : s)),
      };
    case 'resealed':
      return { ...item, seals: [...item.seals, { number: record.details.sealNumber ?? '', status: 'applied', appliedAt: record.time }] };
    case 'sub_sampled':
      return {
        ...item,
        subSampleCount: item.subSampleCount + 1,
        ...(record.weights ? { grossWeight: { grams: record.weights.grossAfterGrams, balanceId: record.weights.balanceId } } : {}),
      };
    case 'sent_for_analysis':
      return { ...item, analysisRequests: [...item.analysisRequests, record.details.analysisRequestId ?? ''] };
    case 'returned_to_agency':
      return { ...item, status: 'returned', custodian: { kind: 'person', userId: record.receivedBy?.userId ?? 'external', name: record.receivedBy?.name ?? '' } };
    case 'destruction_proposed': {
      const performed = record.signatures[0];
      if (!performed) return item;
      return {
        ...item,
        pendingDestruction: {
          proposedBy: actor,
          authority: record.details.authority ?? '',
          method: record.details.method ?? '',
          proposedAt: record.time,
          performed,
        },
      };
    }
    case 'destroyed': {
      const { pendingDestruction: _done, ...rest } = item;
      return { ...rest, status: 'destroyed' };
    }
  }
}

/** Replays records over a starting state (the received item). */
export function replayItem(initial: ItemState, records: readonly CustodyRecord[]): ItemState {
  return records.reduce(evolveItem, initial);
}

// ------------------------------------------------------------------ helpers

export function appliedSeals(item: ItemState): string[] {
  return item.seals.filter((s) => s.status === 'applied').map((s) => s.number);
}

function withoutPendingTransfer(item: ItemState): ItemState {
  const { pendingTransfer: _done, ...rest } = item;
  return rest;
}

/** A custody event may only cite photos uploaded for the item: their hashes then enter the chain. */
function assertPhotosOfItem(item: ItemState, photos: readonly BlobRefBody[]): void {
  photos.forEach((photo, i) => {
    const known = item.photos.find((p) => p.sha256 === photo.sha256);
    if (!known || known.size !== photo.size || known.contentType !== photo.contentType) {
      throw IntakeErrors.INTAKE_ERR_PHOTO_UNKNOWN(`${item.labNo} has no uploaded photo ${photo.sha256}`, {
        errors: [{ field: `body.photos.${i}.sha256`, message: 'upload the photo to POST /v1/items/:labNo/photos first' }],
      });
    }
  });
}

function assertAnalysisNotDeclined(item: ItemState): void {
  const declined = item.analysisDeclined;
  if (declined) {
    throw IntakeErrors.INTAKE_ERR_ANALYSIS_DECLINED(
      `Receipt deviation ${declined.deviationId} of ${item.labNo} was decided "${declined.decision}"; the item may only be returned to the agency`,
    );
  }
}

function assertDistinctSeals(numbers: readonly string[]): void {
  const seen = new Set<string>();
  numbers.forEach((n, i) => {
    if (seen.has(n)) throw IntakeErrors.INTAKE_ERR_DUPLICATE_SEAL(`Seal ${n} is listed twice`, { errors: [{ field: `seals.${i}.number`, message: 'duplicate seal number' }] });
    seen.add(n);
  });
}

/** The holder in person: only they may open seals, take material, hand over, return or destroy. */
function assertHolder(item: ItemState, ctx: CustodyContext): void {
  if (item.custodian.kind === 'location') {
    throw IntakeErrors.INTAKE_ERR_IN_STORAGE(`${item.labNo} is in ${item.custodian.path}; retrieve it first`);
  }
  if (item.custodian.userId !== ctx.actor.userId) {
    throw IntakeErrors.INTAKE_ERR_NOT_HOLDER(`${item.labNo} is held by ${item.custodian.name}, not ${ctx.actor.name}`);
  }
}

/** The holder, or, for an item in storage, anyone allowed into that location. */
function assertMayHandle(item: ItemState, ctx: CustodyContext): void {
  if (item.custodian.kind === 'location') {
    if (!mayAccess(ctx.actor, item.custodian.locationId, ctx.locations)) {
      throw IntakeErrors.INTAKE_ERR_LOCATION_ACCESS(`${ctx.actor.name} may not take items from ${item.custodian.path}`);
    }
    return;
  }
  assertHolder(item, ctx);
}

function personCustodian(p: Person): Custodian {
  return { kind: 'person', userId: p.userId, name: p.name };
}

function personRef(p: Person): Party {
  return { userId: p.userId, name: p.name };
}

function custodianRef(c: Custodian): Party {
  return c.kind === 'person' ? { userId: c.userId, name: c.name } : { name: c.path };
}

/** The actor's signature as recorded: the printed name and time of their e-signature when they gave one. */
function signature(ctx: CustodyContext, meaning: ESignature['meaning']): ESignature {
  return { by: ctx.actor.userId, printedName: ctx.signed?.printedName ?? ctx.actor.name, time: ctx.signed?.time ?? ctx.now.toISOString(), meaning };
}

function weightsOf(body: SubSampleBody): NonNullable<CustodyRecord['weights']> {
  return {
    grossBeforeGrams: body.grossBefore.grams,
    grossAfterGrams: body.grossAfter.grams,
    portionGrams: body.portionGrams,
    balanceId: body.grossAfter.balanceId,
  };
}

function common(item: ItemState, command: { remarks?: string | undefined; photos?: BlobRefBody[] | undefined; condition?: string | undefined }) {
  return {
    ...(command.remarks === undefined ? {} : { remarks: command.remarks }),
    ...(command.condition === undefined ? {} : { condition: command.condition }),
    photos: command.photos ?? [],
    sealsIn: appliedSeals(item),
    sealsOut: appliedSeals(item),
  };
}

type RecordFields = Omit<CustodyRecord, 'kind' | 'labNo' | 'exhibitNo' | 'time' | 'actor' | 'photos'> & { photos?: BlobRefBody[] };

function baseRecord(kind: CustodyKind, item: ItemState, ctx: CustodyContext, fields: RecordFields): CustodyRecord {
  return {
    kind,
    labNo: item.labNo,
    exhibitNo: item.exhibitNo,
    time: ctx.now.toISOString(),
    actor: personRef(ctx.actor),
    ...fields,
    photos: fields.photos ?? [],
  };
}
