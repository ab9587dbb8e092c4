// Work items: created from analysis requests, changed only through the decider, each change
// with its audit record (and any event, via the outbox) in the same transaction.
import type { AnalysisRequested } from '@tamga/contracts';
import type { DocumentStore, Stored, Transaction } from '@tamga/store';
import { AnalysisErrors } from '../domain/errors.ts';
import { decide, evolve, visibilityOf } from '../domain/work-item.ts';
import type { Person, WorkItemCommand, WorkItemEvent, WorkItemState } from '../domain/work-item.ts';
import { results, workItems } from './collections.ts';
import type { WorkItemDoc } from './collections.ts';
import { writeAudit } from './audit.ts';
import { listKey } from './pages.ts';

export function stateOf(doc: WorkItemDoc): WorkItemState {
  return {
    status: doc.status,
    analyst: doc.analyst,
    version: doc.version,
    hasFindings: doc.hasFindings,
    approvedVersion: doc.approvedVersion,
    correctionReason: doc.correctionReason,
    sentBackReasons: doc.sentBackReasons,
  };
}

function withState(doc: WorkItemDoc, state: WorkItemState, now: Date): WorkItemDoc {
  return {
    ...doc,
    status: state.status,
    analyst: state.analyst,
    version: state.version,
    hasFindings: state.hasFindings,
    approvedVersion: state.approvedVersion,
    correctionReason: state.correctionReason,
    sentBackReasons: state.sentBackReasons,
    updatedAt: now.toISOString(),
    visibleTo: visibilityOf(state),
  };
}

/** Strips the store's bookkeeping fields so a document can be written back. */
export function plain<T>(doc: Stored<T>): T {
  const { _id: _ignoredId, _v: _ignoredV, ...rest } = doc;
  return rest as unknown as T;
}

export async function loadWorkItem(tx: Transaction | DocumentStore, id: string): Promise<Stored<WorkItemDoc>> {
  const doc = await tx.collection(workItems).get(id);
  if (doc === undefined) throw AnalysisErrors.ANALYSIS_ERR_WORK_ITEM_NOT_FOUND(`no work item ${id}`);
  return doc;
}

export interface ChangeResult<R> {
  doc: Stored<WorkItemDoc>;
  event: WorkItemEvent;
  extra: R;
}

/**
 * Runs a command against a work item inside `tx`: decide, evolve, let `amend` add the
 * command's data (findings, result ids...), write it back with an audit record.
 */
export async function changeWorkItem<R = undefined>(
  tx: Transaction,
  id: string,
  command: WorkItemCommand,
  options: {
    now: Date;
    amend?: (
      next: WorkItemDoc,
      event: WorkItemEvent,
      before: Stored<WorkItemDoc>,
    ) => Promise<{ doc: WorkItemDoc; extra: R }> | { doc: WorkItemDoc; extra: R };
    auditAfter?: unknown;
  },
): Promise<ChangeResult<R>> {
  const before = await loadWorkItem(tx, id);
  const event = decide(stateOf(before), command);
  let next = withState(plain(before), evolve(stateOf(before), event), options.now);
  let extra = undefined as R;
  if (options.amend !== undefined) ({ doc: next, extra } = await options.amend(next, event, before));
  const doc = await tx.collection(workItems).update(id, before._v, next);
  await writeAudit(tx, {
    at: options.now.toISOString(),
    actor: { id: command.by.id, name: command.by.name },
    action: `work_item.${event.kind}`,
    entity: 'work_item',
    entityId: id,
    before: { status: before.status, version: before.version, analyst: before.analyst },
    after: {
      status: doc.status,
      version: doc.version,
      analyst: doc.analyst,
      ...(options.auditAfter === undefined ? {} : { data: options.auditAfter }),
    },
  });
  return { doc, event, extra };
}

export function workItemIdFor(requestKey: string): string {
  return `WI-${requestKey}`;
}

/**
 * Creates the work item of an analysis request, once: a second request with the same key
 * (a redelivery that slipped past the inbox, or intake re-sending) changes nothing.
 */
export async function createWorkItemFromRequest(
  tx: Transaction,
  input: { eventId: string; data: AnalysisRequested; requestedBy: Person; now: Date; dueDate?: string | undefined },
): Promise<Stored<WorkItemDoc> | 'duplicate'> {
  const requestKey = input.data.requestId ?? input.eventId;
  const col = tx.collection(workItems);
  if ((await col.findOne({ requestKey })) !== undefined) return 'duplicate';
  const id = workItemIdFor(requestKey);
  const at = input.now.toISOString();
  const doc = await col.insert({
    _id: id,
    requestKey,
    requestEventId: input.eventId,
    labNo: input.data.labNo,
    caseId: input.data.caseId,
    agencyId: input.data.agencyId,
    determinations: input.data.determinations,
    priority: input.data.priority,
    dueDate: input.dueDate,
    description: input.data.description,
    status: 'queued',
    resultId: `R-${requestKey}`,
    version: 1,
    hasFindings: false,
    opinions: [],
    createdAt: at,
    updatedAt: at,
    visibleTo: 'queue',
    listKey: listKey(at, id),
  });
  await writeAudit(tx, {
    at,
    actor: input.requestedBy,
    action: 'work_item.created',
    entity: 'work_item',
    entityId: id,
    after: { labNo: doc.labNo, status: doc.status },
  });
  return doc;
}

/**
 * Gives work items and results stored before lists were paged in the store their sort key and
 * visibility (idempotent; run once at start).
 */
export async function backfillListFields(store: DocumentStore): Promise<void> {
  const items = store.collection(workItems);
  for (const doc of await items.find({ listKey: { $exists: false } })) {
    await items.update(doc._id, doc._v, { ...plain(doc), listKey: listKey(doc.createdAt, doc._id), visibleTo: visibilityOf(doc) });
  }
  const versions = store.collection(results);
  for (const doc of await versions.find({ listKey: { $exists: false } })) {
    await versions.update(doc._id, doc._v, { ...plain(doc), listKey: listKey(doc.submittedAt, doc._id) });
  }
}
