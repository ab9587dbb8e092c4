// Intake's repositories: each operation loads what the domain needs, asks the decider, and writes
// the result in ONE store transaction: the records, their new versions, the custody events (hash
// chained, numbered in the lab-wide log), an audit record per change and the outgoing events.
import { randomUUID } from 'node:crypto';
import { actorOf, makeEvent, type EventData, type EventType, type Principal } from '@tamga/contracts';
import type {
  AddInvestigatorBody,
  AnalysisRequestBody,
  CreateAgencyBody,
  CreateLocationBody,
  CustodyRecord,
  OpenCaseBody,
  ReceiveItemBody,
  RecordDeviationBody,
  ResolveDeviationBody,
  SubSampleBody,
} from '@tamga/contracts';
import { enqueueEvent } from '@tamga/messaging';
import { appendToChain, type ChainedEvent, type CustodyEntry } from '@tamga/custody';
import { StoreErrors, type CollectionSpec, type DocumentStore, type Transaction } from '@tamga/store';
import type { VerifiedESignature } from '@tamga/service-kit';
import { addInvestigator, createAgency, caseYear, openCase, type Agency, type CaseRecord } from '../domain/cases.ts';
import { createSubSample, decideCustody, evolveItem, receiveItem, type CustodyCommand, type CustodyContext, type ItemState } from '../domain/custody.ts';
import { inventoryRowOf, matchesInventoryFilter, type InventoryFilter, type InventoryRow } from '../domain/inventory.ts';
import { recordDeviation, resolveDeviation, type Deviation } from '../domain/deviations.ts';
import { IntakeErrors } from '../domain/errors.ts';
import { formatLabNo, subSampleLabNo } from '../domain/lab-number.ts';
import { defineLocation, type Person, type StorageLocation } from '../domain/locations.ts';
import * as C from './collections.ts';
import type { Ledger } from './ledger.ts';

export interface IntakeStoreOptions {
  store: DocumentStore;
  ledger: Ledger;
  lab: string;
  clock: () => Date;
  /** Called after every committed change that enqueued events (the outbox relay's notify). */
  onCommitted?: (() => void) | undefined;
}

/** A photo as uploaded: the checked image bytes and what the technician said about it. */
export interface NewPhoto {
  bytes: Uint8Array;
  contentType: 'image/jpeg' | 'image/png';
  caption?: string | undefined;
  custodyEventId?: string | undefined;
}

/** Who acts, with the trace to carry on the events they cause. */
export interface Caller {
  principal: Principal;
  traceparent?: string | undefined;
  /** The caller's verified e-signature for this act: its id and time go into the custody records. */
  eSignature?: VerifiedESignature | undefined;
}

type By = { userId: string; name: string };

function byOf(p: Principal): By {
  return { userId: p.sub, name: p.name };
}

function personOf(p: Principal): Person {
  return { userId: p.sub, name: p.name, roles: p.roles };
}

/** Strips the store's `_id`/`_v` so records compare and hash as the domain made them. */
function plain<T extends object>(doc: T): Omit<T, '_id' | '_v'> {
  const { _id: _i, _v: _ver, ...rest } = doc as T & { _id?: unknown; _v?: unknown };
  return rest;
}

const MAX_ATTEMPTS = 5;

export function createIntakeStore(options: IntakeStoreOptions) {
  const { store, ledger, lab, clock } = options;

  /** A transaction retried on version conflicts (another writer moved a counter or item first). */
  async function atomically<R>(work: (tx: Transaction, now: Date) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const now = clock();
      try {
        const result = await store.transaction((tx) => work(tx, now));
        await ledger.sync();
        options.onCommitted?.();
        return result;
      } catch (err) {
        const conflict = err instanceof Error && 'code' in err && err.code === 'STORE_ERR_VERSION_CONFLICT';
        if (!conflict || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  async function nextValue(tx: Transaction, name: string): Promise<number> {
    const counters = tx.collection(C.counters);
    const current = await counters.get(name);
    if (!current) {
      await counters.insert({ _id: name, value: 1 });
      return 1;
    }
    await counters.update(name, current._v, { value: current.value + 1 });
    return current.value + 1;
  }

  async function writeAudit(tx: Transaction, entry: { who: By; when: Date; what: string; collection: string; recordId: string; before: unknown; after: unknown }) {
    await tx.collection(C.audit).insert({ _id: randomUUID(), ...entry, when: entry.when.toISOString() });
  }

  async function insertAudited<T extends object>(tx: Transaction, spec: CollectionSpec<T>, id: string, doc: T, who: By, now: Date, what: string) {
    await tx.collection(spec).insert({ _id: id, ...doc });
    await writeAudit(tx, { who, when: now, what, collection: spec.name, recordId: id, before: null, after: doc });
  }

  async function updateAudited<T extends object>(tx: Transaction, spec: CollectionSpec<T>, id: string, next: T, who: By, now: Date, what: string) {
    const col = tx.collection(spec);
    const current = await col.get(id);
    if (!current) throw StoreErrors.STORE_ERR_NOT_FOUND(`${spec.name}/${id}`);
    await col.update(id, current._v, next);
    await writeAudit(tx, { who, when: now, what, collection: spec.name, recordId: id, before: plain(current), after: next });
  }

  async function emit<T extends EventType>(tx: Transaction, caller: Caller, now: Date, type: T, subject: string, data: EventData<T>) {
    const event = makeEvent({ type, source: 'intake', subject, actor: actorOf(caller.principal), data, traceparent: caller.traceparent }, now);
    await enqueueEvent(tx, event, now);
  }

  /** Chains records onto an item's ledger, numbers them in the lab-wide log, and announces them. */
  async function appendCustody(tx: Transaction, caller: Caller, now: Date, records: readonly CustodyRecord[]): Promise<ChainedEvent[]> {
    const out: ChainedEvent[] = [];
    for (const record of records) {
      const col = tx.collection(C.custodyEvents);
      const chain = (await col.find({ item: record.labNo }, { sort: { seq: 1 } })).map((d) => d.event);
      const signed = caller.eSignature;
      const details = signed === undefined ? record.details : { ...record.details, eSignatureId: signed.signatureId, eSignedAt: signed.time, eSignatureMeaning: signed.meaning };
      const entry: CustodyEntry = { eventId: randomUUID(), item: record.labNo, ...record, details };
      const event: ChainedEvent = appendToChain(chain, entry);
      const logIndex = (await nextValue(tx, 'custody-log')) - 1;
      await col.insert({ _id: event.eventId, item: record.labNo, seq: event.seq, logIndex, event });
      await emit(tx, caller, now, 'intake.custody.recorded', record.labNo, { labNo: record.labNo, seq: event.seq, kind: record.kind, time: record.time, hash: event.hash, logIndex });
      out.push(event);
    }
    return out;
  }

  async function loadItem(tx: Transaction | DocumentStore, labNo: string): Promise<ItemState> {
    const doc = await tx.collection(C.items).get(labNo);
    if (!doc) throw IntakeErrors.INTAKE_ERR_ITEM_NOT_FOUND(`No item ${labNo}`);
    return plain(doc);
  }

  async function loadLocations(tx: Transaction | DocumentStore): Promise<Map<string, StorageLocation>> {
    const all = await tx.collection(C.locations).find({});
    return new Map(all.map((l) => [l.locationId, plain(l)]));
  }

  /** The context a custody decision is made in: who acts, with their e-signature's printed name and time. */
  function contextOf(caller: Caller, now: Date, locations: ReadonlyMap<string, StorageLocation>): CustodyContext {
    const signed = caller.eSignature;
    return { now, actor: personOf(caller.principal), locations, ...(signed ? { signed: { printedName: signed.printedName, time: signed.time } } : {}) };
  }

  /** Records the e-signature as used, in the act's own transaction: one signature signs one act. */
  async function claimSignature(tx: Transaction, caller: Caller, now: Date): Promise<void> {
    const signed = caller.eSignature;
    if (!signed) return;
    const col = tx.collection(C.usedSignatures);
    if (await col.get(signed.signatureId)) {
      throw IntakeErrors.INTAKE_ERR_SIGNATURE_REUSED(`e-signature ${signed.signatureId} was already used`, {
        errors: [{ field: 'body.eSignature', message: 'was already used for another act' }],
      });
    }
    await col.insert({ _id: signed.signatureId, by: signed.by, meaning: signed.meaning, purpose: signed.purpose, usedAt: now.toISOString() });
  }

  /** The photos a receipt cites: uploaded to its case and not yet attached to an item. */
  async function stagedPhotos(tx: Transaction, caseId: string, refs: readonly { sha256: string; size: number; contentType: string }[]): Promise<C.PhotoDoc[]> {
    const out: C.PhotoDoc[] = [];
    for (const [i, ref] of refs.entries()) {
      const candidates = (await tx.collection(C.photos).find({ caseId, sha256: ref.sha256 })).map(plain);
      const photo = candidates.find((p) => p.labNo === undefined && p.size === ref.size && p.contentType === ref.contentType && !out.some((o) => o.photoId === p.photoId));
      if (!photo) {
        throw IntakeErrors.INTAKE_ERR_PHOTO_UNKNOWN(`No photo ${ref.sha256} awaits a receipt in ${caseId}`, {
          errors: [{ field: `body.photos.${i}.sha256`, message: 'upload it first to POST /v1/cases/:caseId/photos' }],
        });
      }
      out.push(photo);
    }
    return out;
  }

  async function applyCustody(tx: Transaction, caller: Caller, now: Date, item: ItemState, command: CustodyCommand) {
    const ctx = contextOf(caller, now, await loadLocations(tx));
    const records = decideCustody(command, item, ctx);
    const next = records.reduce(evolveItem, item);
    const events = await appendCustody(tx, caller, now, records);
    await updateAudited(tx, C.items, item.labNo, next, byOf(caller.principal), now, `custody.${records.map((r) => r.kind).join('+')}`);
    return { item: next, events };
  }

  return {
    store,
    ledger,

    async createAgency(caller: Caller, body: CreateAgencyBody): Promise<Agency> {
      return atomically(async (tx, now) => {
        const agency = createAgency(body, now);
        await insertAudited(tx, C.agencies, body.agencyId, agency, byOf(caller.principal), now, 'agency.created');
        return agency;
      });
    },

    async addInvestigator(caller: Caller, agencyId: string, body: AddInvestigatorBody): Promise<Agency> {
      return atomically(async (tx, now) => {
        const agency = await tx.collection(C.agencies).get(agencyId);
        if (!agency) throw IntakeErrors.INTAKE_ERR_AGENCY_NOT_FOUND(`No agency "${agencyId}"`);
        const next = addInvestigator(plain(agency), body);
        await updateAudited(tx, C.agencies, agencyId, next, byOf(caller.principal), now, 'agency.investigator_added');
        return next;
      });
    },

    async getAgency(agencyId: string): Promise<Agency> {
      const agency = await store.collection(C.agencies).get(agencyId);
      if (!agency) throw IntakeErrors.INTAKE_ERR_AGENCY_NOT_FOUND(`No agency "${agencyId}"`);
      return plain(agency);
    },

    async openCase(caller: Caller, body: OpenCaseBody): Promise<CaseRecord> {
      return atomically(async (tx, now) => {
        const agency = await tx.collection(C.agencies).get(body.agencyId);
        const caseSeq = await nextValue(tx, `case:${lab}:${caseYear(now)}`);
        const record = openCase({ body, lab, caseSeq, by: byOf(caller.principal) }, agency ? plain(agency) : undefined, now);
        await insertAudited(tx, C.cases, record.caseId, record, byOf(caller.principal), now, 'case.opened');
        await emit(tx, caller, now, 'intake.case.opened', record.caseId, {
          caseId: record.caseId,
          agencyId: record.agencyId,
          agencyCaseNumber: record.agencyCaseNumber,
          offence: record.offence,
          jurisdiction: record.jurisdiction,
          seizureDate: record.seizureDate,
          openedAt: record.openedAt,
          // What the report names: reporting builds its read model from this event alone.
          ...(agency ? { agencyName: agency.name } : {}),
          investigator: { name: record.investigator.name, ...(record.investigator.rank ? { rank: record.investigator.rank } : {}) },
          request: record.request,
        });
        return record;
      });
    },

    async getCase(caseId: string): Promise<CaseRecord> {
      const doc = await store.collection(C.cases).get(caseId);
      if (!doc) throw IntakeErrors.INTAKE_ERR_CASE_NOT_FOUND(`No case ${caseId}`);
      return plain(doc);
    },

    /** Cases, newest first; `agencyId` narrows them to one agency. */
    async listCases(filter: { agencyId?: string | undefined; limit: number }): Promise<CaseRecord[]> {
      const query: Record<string, string> = filter.agencyId === undefined ? {} : { agencyId: filter.agencyId };
      return (await store.collection(C.cases).find(query, { sort: { openedAt: -1 }, limit: filter.limit })).map(plain);
    },

    async itemsOfCase(caseId: string): Promise<ItemState[]> {
      return (await store.collection(C.items).find({ caseId }, { sort: { _id: 1 } })).map(plain);
    },

    async receiveItem(caller: Caller, caseId: string, body: ReceiveItemBody): Promise<{ item: ItemState; events: ChainedEvent[] }> {
      return atomically(async (tx, now) => {
        const caseDoc = await tx.collection(C.cases).get(caseId);
        if (!caseDoc) throw IntakeErrors.INTAKE_ERR_CASE_NOT_FOUND(`No case ${caseId}`);
        const receiptPhotos = await stagedPhotos(tx, caseId, body.photos);
        const itemSeq = caseDoc.itemCount + 1;
        const labNo = formatLabNo({ lab: caseDoc.lab, year: caseDoc.year, caseSeq: caseDoc.caseSeq, itemSeq, subSamples: [] });
        await claimSignature(tx, caller, now);
        const { item, record } = receiveItem({ labNo, caseId, agencyId: caseDoc.agencyId, body }, contextOf(caller, now, new Map()));
        // The case's item count is the gap-free item counter: it advances in this transaction or not at all.
        await updateAudited(tx, C.cases, caseId, { ...plain(caseDoc), itemCount: itemSeq }, byOf(caller.principal), now, 'case.item_added');
        await insertAudited(tx, C.items, labNo, item, byOf(caller.principal), now, 'item.received');
        const events = await appendCustody(tx, caller, now, [record]);
        // The received event holds the photos' hashes; each photo now names its item and that event.
        const receivedEventId = events[0]?.eventId;
        for (const photo of receiptPhotos) {
          const attached: C.PhotoDoc = { ...photo, labNo, ...(receivedEventId === undefined ? {} : { custodyEventId: receivedEventId }) };
          await updateAudited(tx, C.photos, photo.photoId, attached, byOf(caller.principal), now, 'photo.attached_at_receipt');
        }
        await emit(tx, caller, now, 'intake.item.received', labNo, {
          labNo,
          caseId,
          agencyId: item.agencyId,
          description: item.description,
          receivedAt: item.receivedAt,
          exhibitNo: item.exhibitNo,
          grossWeightGrams: item.grossWeight.grams,
          ...(item.unitCount === undefined ? {} : { unitCount: item.unitCount }),
          packaging: item.packaging,
          // The seals and their condition as received (ISO/IEC 17025 7.8.2.1 e).
          seals: body.seals.map((s) => ({ number: s.number, intact: s.intact })),
          condition: item.condition,
        });
        return { item, events };
      });
    },

    async getItem(labNo: string): Promise<ItemState> {
      return loadItem(store, labNo);
    },

    async custody(caller: Caller, labNo: string, command: CustodyCommand) {
      return atomically(async (tx, now) => {
        const item = await loadItem(tx, labNo);
        await claimSignature(tx, caller, now);
        return applyCustody(tx, caller, now, item, command);
      });
    },

    async takeSubSample(caller: Caller, labNo: string, body: SubSampleBody) {
      return atomically(async (tx, now) => {
        const parent = await loadItem(tx, labNo);
        await claimSignature(tx, caller, now);
        const childLabNo = subSampleLabNo(labNo, parent.subSampleCount + 1);
        const { item: parentAfter } = await applyCustody(tx, caller, now, parent, { kind: 'take_sub_sample', childLabNo, body });
        const { item: child, record } = createSubSample(parentAfter, childLabNo, body, contextOf(caller, now, new Map()));
        await insertAudited(tx, C.items, childLabNo, child, byOf(caller.principal), now, 'item.sub_sample_created');
        await appendCustody(tx, caller, now, [record]);
        await emit(tx, caller, now, 'intake.item.received', childLabNo, {
          labNo: childLabNo,
          caseId: child.caseId,
          agencyId: child.agencyId,
          description: child.description,
          receivedAt: child.receivedAt,
          exhibitNo: child.exhibitNo,
          grossWeightGrams: child.grossWeight.grams,
          parentLabNo: labNo,
        });
        return { parent: parentAfter, item: child };
      });
    },

    async recordDeviation(caller: Caller, labNo: string, body: RecordDeviationBody): Promise<Deviation> {
      return atomically(async (tx, now) => {
        const item = await loadItem(tx, labNo);
        const out = recordDeviation(item, body, { deviationId: randomUUID(), by: byOf(caller.principal), now });
        await insertAudited(tx, C.deviations, out.deviation.deviationId, out.deviation, byOf(caller.principal), now, 'deviation.recorded');
        await updateAudited(tx, C.items, labNo, out.item, byOf(caller.principal), now, 'item.deviation_opened');
        await emit(tx, caller, now, 'intake.deviation.recorded', labNo, { labNo, deviationId: out.deviation.deviationId, kind: body.kind, status: 'open' });
        return out.deviation;
      });
    },

    async resolveDeviation(caller: Caller, labNo: string, deviationId: string, body: ResolveDeviationBody): Promise<Deviation> {
      return atomically(async (tx, now) => {
        const item = await loadItem(tx, labNo);
        const doc = await tx.collection(C.deviations).get(deviationId);
        if (!doc || doc.labNo !== labNo) throw IntakeErrors.INTAKE_ERR_DEVIATION_NOT_FOUND(`No deviation ${deviationId} on ${labNo}`);
        const out = resolveDeviation(item, plain(doc), body, { by: byOf(caller.principal), now });
        await updateAudited(tx, C.deviations, deviationId, out.deviation, byOf(caller.principal), now, 'deviation.resolved');
        await updateAudited(tx, C.items, labNo, out.item, byOf(caller.principal), now, 'item.deviation_resolved');
        await emit(tx, caller, now, 'intake.deviation.recorded', labNo, { labNo, deviationId, kind: doc.kind, status: 'resolved', decision: body.decision });
        return out.deviation;
      });
    },

    async deviationsOf(labNo: string): Promise<Deviation[]> {
      return (await store.collection(C.deviations).find({ labNo }, { sort: { recordedAt: 1 } })).map(plain);
    },

    async requestAnalysis(caller: Caller, labNo: string, body: AnalysisRequestBody) {
      return atomically(async (tx, now) => {
        const item = await loadItem(tx, labNo);
        await claimSignature(tx, caller, now);
        const requestId = randomUUID();
        const { events } = await applyCustody(tx, caller, now, item, { kind: 'send_for_analysis', requestId, ...(body.to ? { to: body.to } : {}), ...(body.remarks ? { remarks: body.remarks } : {}) });
        const request: C.AnalysisRequestDoc = {
          requestId,
          labNo,
          caseId: item.caseId,
          agencyId: item.agencyId,
          determinations: body.determinations,
          priority: body.priority,
          requestedAt: now.toISOString(),
          requestedBy: byOf(caller.principal),
        };
        await insertAudited(tx, C.analysisRequests, requestId, request, byOf(caller.principal), now, 'analysis.requested');
        const head = events.at(-1)?.hash;
        await emit(tx, caller, now, 'intake.analysis.requested', labNo, {
          labNo,
          caseId: item.caseId,
          agencyId: item.agencyId,
          determinations: body.determinations,
          priority: body.priority,
          requestId,
          description: item.description,
          ...(head ? { custodyHead: head } : {}),
        });
        return request;
      });
    },

    async createLocation(caller: Caller, body: CreateLocationBody): Promise<StorageLocation> {
      return atomically(async (tx, now) => {
        const parent = body.parentId === undefined ? undefined : await tx.collection(C.locations).get(body.parentId);
        const location = defineLocation(body, parent ? plain(parent) : undefined, now);
        await insertAudited(tx, C.locations, body.locationId, location, byOf(caller.principal), now, 'location.created');
        return location;
      });
    },

    async listLocations(): Promise<StorageLocation[]> {
      return (await store.collection(C.locations).find({}, { sort: { path: 1 } })).map(plain);
    },

    /**
     * Stores a photo of an item as a blob named by its SHA-256 and adds it to the item as a new
     * version (audited). Everything is checked before the bytes are stored.
     */
    async addPhoto(caller: Caller, labNo: string, photo: NewPhoto): Promise<C.PhotoDoc> {
      const item = await loadItem(store, labNo);
      if (photo.custodyEventId !== undefined) {
        const event = await store.collection(C.custodyEvents).get(photo.custodyEventId);
        if (!event || event.item !== labNo) {
          throw IntakeErrors.INTAKE_ERR_CUSTODY_EVENT_NOT_FOUND(`${labNo} has no custody event ${photo.custodyEventId}`, {
            errors: [{ field: 'query.custodyEventId', message: 'not a custody event of this item' }],
          });
        }
      }
      const ref = await store.blobs.put(photo.bytes, photo.contentType);
      return atomically(async (tx, now) => {
        const current = await loadItem(tx, item.labNo);
        const doc: C.PhotoDoc = {
          photoId: randomUUID(),
          caseId: current.caseId,
          labNo,
          agencyId: current.agencyId,
          sha256: ref.sha256,
          size: ref.size,
          contentType: photo.contentType,
          ...(photo.caption === undefined ? {} : { caption: photo.caption }),
          ...(photo.custodyEventId === undefined ? {} : { custodyEventId: photo.custodyEventId }),
          takenBy: byOf(caller.principal),
          uploadedAt: now.toISOString(),
        };
        await insertAudited(tx, C.photos, doc.photoId, doc, byOf(caller.principal), now, 'photo.added');
        const known = current.photos.some((p) => p.sha256 === ref.sha256);
        const next: ItemState = known ? current : { ...current, photos: [...current.photos, { sha256: ref.sha256, size: ref.size, contentType: photo.contentType }] };
        await updateAudited(tx, C.items, labNo, next, byOf(caller.principal), now, 'item.photo_added');
        return doc;
      });
    },

    /** A photo taken at receipt, before the item has a lab number: the receipt that cites it attaches it. */
    async stagePhoto(caller: Caller, caseId: string, photo: Omit<NewPhoto, 'custodyEventId'>): Promise<C.PhotoDoc> {
      const caseDoc = await store.collection(C.cases).get(caseId);
      if (!caseDoc) throw IntakeErrors.INTAKE_ERR_CASE_NOT_FOUND(`No case ${caseId}`);
      const ref = await store.blobs.put(photo.bytes, photo.contentType);
      return atomically(async (tx, now) => {
        const doc: C.PhotoDoc = {
          photoId: randomUUID(),
          caseId,
          agencyId: caseDoc.agencyId,
          sha256: ref.sha256,
          size: ref.size,
          contentType: photo.contentType,
          ...(photo.caption === undefined ? {} : { caption: photo.caption }),
          takenBy: byOf(caller.principal),
          uploadedAt: now.toISOString(),
        };
        await insertAudited(tx, C.photos, doc.photoId, doc, byOf(caller.principal), now, 'photo.taken_at_receipt');
        return doc;
      });
    },

    async photosOf(labNo: string): Promise<C.PhotoDoc[]> {
      return (await store.collection(C.photos).find({ labNo }, { sort: { uploadedAt: 1 } })).map(plain);
    },

    async photo(labNo: string, photoId: string): Promise<{ photo: C.PhotoDoc; bytes: Uint8Array }> {
      const doc = await store.collection(C.photos).get(photoId);
      if (!doc || doc.labNo !== labNo) throw IntakeErrors.INTAKE_ERR_PHOTO_NOT_FOUND(`${labNo} has no photo ${photoId}`);
      return { photo: plain(doc), bytes: await store.blobs.get(doc.sha256) };
    },

    /**
     * One page of the lab-wide inventory, in lab-number order after `after`. Pages are cut by lab
     * number (keyset), so an item is never skipped between pages whatever the filter drops.
     */
    async inventory(filter: InventoryFilter & { after?: string | undefined; limit: number }): Promise<{ items: InventoryRow[]; nextCursor?: string }> {
      const locations = await loadLocations(store);
      const rows: InventoryRow[] = [];
      let after = filter.after;
      const BATCH = 200;
      for (;;) {
        const query: Record<string, string | { $gt: string }> = {
          ...(after === undefined ? {} : { _id: { $gt: after } }),
          ...(filter.caseId === undefined ? {} : { caseId: filter.caseId }),
        };
        const batch = await store.collection(C.items).find(query, { sort: { _id: 1 }, limit: BATCH });
        for (const doc of batch) {
          after = doc._id;
          const row = inventoryRowOf(plain(doc), locations);
          if (!matchesInventoryFilter(row, filter)) continue;
          rows.push(row);
          if (rows.length === filter.limit) return { items: rows, nextCursor: row.labNo };
        }
        if (batch.length < BATCH) return { items: rows };
      }
    },

    async custodyEventsOf(labNo: string): Promise<ChainedEvent[]> {
      return (await store.collection(C.custodyEvents).find({ item: labNo }, { sort: { seq: 1 } })).map((d) => d.event);
    },

    async auditOf(recordId: string) {
      return (await store.collection(C.audit).find({ recordId }, { sort: { when: 1 } })).map(plain);
    },
  };
}

export type IntakeStore = ReturnType<typeof createIntakeStore>;
