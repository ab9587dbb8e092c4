// The analyst's and reviewer's routes: queue, assignment, findings, opinions, submission,
// technical review and corrections.
import {
  AssignBody,
  FindingsBody,
  IdParams,
  OpinionBody,
  ResultPageQuery,
  SignedCorrectionBody,
  SignedReviewBody,
  WorkItemPageQuery,
  actorOf,
  makeEvent,
} from '@tamga/contracts';
import type { Stored } from '@tamga/store';
import type { ServiceApp, VerifiedESignature } from '@tamga/service-kit';
import { AnalysisErrors } from '../domain/errors.ts';
import { evaluateFindings } from '../domain/findings.ts';
import { auditRecords, results, reviews, spectrumUploads, workItems } from '../store/collections.ts';
import type { ESignatureRecord, ResultDoc, ReviewRecord, SupportingHit, WorkItemDoc } from '../store/collections.ts';
import { signedActs } from '@tamga/contracts';
import { changeWorkItem, loadWorkItem, plain } from '../store/work-items.ts';
import { writeAudit } from '../store/audit.ts';
import { recordSignatureUse } from '../store/signatures.ts';
import { referencePeaks } from '../store/libraries.ts';
import { resultApprovedData } from '../events/result-approved.ts';
import { ANALYSTS, ANALYTICAL_STAFF, REVIEWERS, actorFrom, assertAssignee, assertCanSee, visibleScopes } from './access.ts';
import { listKey, pageOf } from '../store/pages.ts';
import type { RouteContext } from './context.ts';

/** A verified e-signature as a review or correction records it. */
function recordedSignature(s: VerifiedESignature): ESignatureRecord {
  return { signatureId: s.signatureId, printedName: s.printedName, time: s.time, meaning: s.meaning, purpose: s.purpose };
}

function view(doc: Stored<WorkItemDoc>) {
  const { _v, _id, findings, visibleTo: _visibleTo, listKey: _listKey, ...rest } = doc;
  return {
    id: _id,
    revision: _v,
    ...rest,
    findings:
      findings === undefined
        ? undefined
        : {
            ...findings,
            hit: findings.hit === undefined ? undefined : { ...findings.hit, query: undefined, reference: undefined },
          },
  };
}

function resultDocId(resultId: string, version: number): string {
  return `${resultId}@${version}`;
}

export function workItemRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { store } = ctx;

  app.get(
    '/v1/work-items',
    { config: { roles: ANALYTICAL_STAFF }, schema: { querystring: WorkItemPageQuery } },
    async (request) => {
      const p = request.principal;
      const q = request.query;
      const filter: Record<string, string | { $in: string[] }> = {};
      if (q.status !== undefined) filter.status = q.status;
      if (q.mine === 'true') filter['analyst.id'] = p.sub;
      // Visibility is part of the query, so `limit` counts only what the caller may see.
      const scopes = visibleScopes(p);
      if (scopes !== undefined) filter.visibleTo = { $in: scopes };
      const page = await pageOf(store.collection(workItems), filter, {
        key: 'listKey',
        keyOf: (d) => d.listKey ?? '',
        limit: q.limit,
        after: q.cursor,
      });
      return { items: page.docs.map(view), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
    },
  );

  app.get(
    '/v1/results',
    { config: { roles: ANALYTICAL_STAFF }, schema: { querystring: ResultPageQuery } },
    async (request) => {
      const p = request.principal;
      const q = request.query;
      const filter: Record<string, string> = {};
      if (q.status !== undefined) filter.status = q.status;
      if (q.labNo !== undefined) filter.labNo = q.labNo;
      // Analysts see the results of their own work; reviewers, QA and admins see all.
      if (visibleScopes(p) !== undefined) filter['analyst.id'] = p.sub;
      const page = await pageOf(store.collection(results), filter, {
        key: 'listKey',
        keyOf: (d) => d.listKey ?? '',
        limit: q.limit,
        after: q.cursor,
      });
      return {
        results: page.docs.map(({ _id, _v, ...r }) => r),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );

  app.get(
    '/v1/work-items/:id',
    { config: { roles: ANALYTICAL_STAFF }, schema: { params: IdParams } },
    async (request) => {
      const doc = await loadWorkItem(store, request.params.id);
      assertCanSee(request.principal, doc);
      return view(doc);
    },
  );

  app.post(
    '/v1/work-items/:id/assignment',
    {
      config: { roles: ['analyst', 'reviewer', 'qa_manager', 'admin'] },
      schema: { params: IdParams, body: AssignBody },
    },
    async (request) => {
      const by = actorFrom(request.principal);
      const analyst = request.body.analyst ?? { id: by.id, name: by.name };
      const now = ctx.now();
      const { doc } = await store.transaction((tx) =>
        changeWorkItem(tx, request.params.id, { kind: 'assign', by, analyst }, { now }),
      );
      return view(doc);
    },
  );

  app.post(
    '/v1/work-items/:id/findings',
    { config: { roles: ANALYSTS }, schema: { params: IdParams, body: FindingsBody } },
    async (request, reply) => {
      const p = request.principal;
      const by = actorFrom(p);
      const item = await loadWorkItem(store, request.params.id);
      assertAssignee(p, item);
      const body = request.body;
      let hit: SupportingHit | undefined;
      if (body.hit !== undefined) {
        const upload = await store.collection(spectrumUploads).get(body.hit.spectrumId);
        if (upload?.workItemId !== item._id)
          throw AnalysisErrors.ANALYSIS_ERR_SPECTRUM_NOT_FOUND(`no spectrum ${body.hit.spectrumId} on this work item`);
        const spectrum = upload.spectra[body.hit.index];
        const h = spectrum?.search.hits.find((x) => x.rank === body.hit?.rank);
        if (spectrum === undefined || h === undefined)
          throw AnalysisErrors.ANALYSIS_ERR_SPECTRUM_NOT_FOUND(
            `no hit of rank ${body.hit.rank} on spectrum ${body.hit.index}`,
          );
        const { index } = await ctx.catalogue.open(spectrum.search.library.name, spectrum.search.library.version);
        hit = {
          spectrumId: upload._id,
          rank: h.rank,
          name: h.name,
          libraryRecordId: h.libraryRecordId,
          mf: h.mf,
          rmf: h.rmf,
          entropy: h.entropy,
          score: h.score,
          probability: h.probability,
          riDelta: h.riDelta,
          library: spectrum.search.library,
          query: spectrum.mz.map((mz, k) => [mz, spectrum.intensity[k] ?? 0] as [number, number]),
          reference: referencePeaks(index, h.index),
        };
      }
      const now = ctx.now();
      const findings = evaluateFindings(body, {
        thresholds: ctx.thresholds,
        hit,
        by: { id: by.id, name: by.name },
        now,
      });
      const { doc } = await store.transaction((tx) =>
        changeWorkItem(
          tx,
          item._id,
          { kind: 'record_findings', by },
          { now, amend: (next) => ({ doc: { ...next, findings }, extra: undefined }), auditAfter: { findings: body } },
        ),
      );
      return reply.status(201).send(view(doc));
    },
  );

  app.post(
    '/v1/work-items/:id/opinions',
    { config: { roles: ANALYTICAL_STAFF }, schema: { params: IdParams, body: OpinionBody } },
    async (request, reply) => {
      const p = request.principal;
      if (!ctx.opinionAuthorized.has(p.sub)) throw AnalysisErrors.ANALYSIS_ERR_OPINION_NOT_AUTHORIZED();
      const now = ctx.now();
      const doc = await store.transaction(async (tx) => {
        const item = await loadWorkItem(tx, request.params.id);
        if (item.status === 'approved')
          throw AnalysisErrors.ANALYSIS_ERR_WRONG_STATUS('open a correction to add an opinion to an approved result');
        const opinion = {
          text: request.body.text,
          by: { id: p.sub, name: p.name },
          at: now.toISOString(),
          consultation: request.body.consultation,
        };
        const updated = await tx.collection(workItems).update(item._id, item._v, {
          ...plain(item),
          opinions: [...item.opinions, opinion],
          updatedAt: now.toISOString(),
        });
        await writeAudit(tx, {
          at: now.toISOString(),
          actor: opinion.by,
          action: 'work_item.opinion_recorded',
          entity: 'work_item',
          entityId: item._id,
          after: opinion,
        });
        return updated;
      });
      return reply.status(201).send(view(doc));
    },
  );

  app.post(
    '/v1/work-items/:id/submission',
    { config: { roles: ANALYSTS }, schema: { params: IdParams } },
    async (request) => {
      const by = actorFrom(request.principal);
      const now = ctx.now();
      const { doc } = await store.transaction((tx) =>
        changeWorkItem(
          tx,
          request.params.id,
          { kind: 'submit', by },
          {
            now,
            amend: async (next, event, before) => {
              if (event.kind !== 'submitted' || before.findings === undefined || before.analyst === undefined)
                return { doc: next, extra: undefined };
              const id = resultDocId(before.resultId, event.version);
              const col = tx.collection(results);
              const record: ResultDoc = {
                resultId: before.resultId,
                workItemId: before._id,
                labNo: before.labNo,
                version: event.version,
                status: 'awaiting_review',
                findings: before.findings,
                analyst: before.analyst,
                submittedAt: now.toISOString(),
                listKey: listKey(now.toISOString(), id),
                correction:
                  before.correctionReason !== undefined && before.approvedVersion !== undefined
                    ? {
                        reason: before.correctionReason,
                        supersedesVersion: before.approvedVersion,
                        eSignature: before.correctionSignature,
                      }
                    : undefined,
              };
              const existing = await col.get(id);
              if (existing === undefined) await col.insert({ _id: id, ...record });
              else await col.update(id, existing._v, record);
              return { doc: next, extra: undefined };
            },
          },
        ),
      );
      return view(doc);
    },
  );

  app.post(
    '/v1/work-items/:id/review',
    { config: { roles: REVIEWERS }, schema: { params: IdParams, body: SignedReviewBody } },
    async (request) => {
      const p = request.principal;
      const by = actorFrom(p);
      const { eSignature: token, ...body } = request.body;
      const now = ctx.now();
      // Verified before anything is read or changed: a refused signature leaves no trace.
      const act = body.decision === 'approve' ? signedActs.approve(request.params.id) : signedActs.sendBack(request.params.id);
      const signed = await ctx.eSignatures.verify(token, { sub: p.sub, ...act });
      if (
        body.decision === 'approve' &&
        body.signature.printedName.trim().toLowerCase() !== p.name.trim().toLowerCase()
      ) {
        throw AnalysisErrors.ANALYSIS_ERR_SIGNATURE_MISMATCH(
          `the signature names "${body.signature.printedName}", but you are signed in as "${p.name}"`,
          {
            errors: [{ field: 'body.signature.printedName', message: 'must be your own name' }],
          },
        );
      }
      const fallbackLibrary = await ctx.catalogue
        .current()
        .then(({ doc }) => ({ name: doc.name, version: doc.version }))
        .catch(() => ({ name: 'none', version: 'none' }));
      const { doc } = await store.transaction((tx) =>
        changeWorkItem(
          tx,
          request.params.id,
          body.decision === 'approve' ? { kind: 'approve', by } : { kind: 'send_back', by, reasons: body.reasons },
          {
            now,
            auditAfter: { ...body, eSignature: recordedSignature(signed) },
            amend: async (next, event, before) => {
              const resultId = resultDocId(before.resultId, before.version);
              const col = tx.collection(results);
              const result = await col.get(resultId);
              if (result === undefined)
                throw AnalysisErrors.ANALYSIS_ERR_RESULT_NOT_FOUND(`no submitted result ${resultId}`);
              const at = now.toISOString();
              const eSignature = recordedSignature(signed);
              await recordSignatureUse(tx, { ...eSignature, by: signed.by }, { act: event.kind, entityId: before._id, at });
              const review: ReviewRecord =
                body.decision === 'approve'
                  ? {
                      reviewer: { id: by.id, name: by.name },
                      decision: 'approve',
                      at,
                      signature: { ...body.signature, signedAt: signed.time },
                      eSignature,
                      comments: body.comments,
                    }
                  : { reviewer: { id: by.id, name: by.name }, decision: 'send_back', at, reasons: body.reasons, eSignature };
              const updated = await col.update(resultId, result._v, {
                ...plain(result),
                status: event.kind === 'approved' ? 'approved' : 'sent_back',
                review,
              });
              await tx.collection(reviews).insert({
                _id: `${resultId}#${at}`,
                ...review,
                resultId: result.resultId,
                version: result.version,
                workItemId: before._id,
              });
              if (event.kind === 'approved' && review.signature !== undefined) {
                const data = resultApprovedData({
                  item: next,
                  result: plain(updated),
                  review: { ...review, signature: review.signature },
                  fallbackLibrary,
                });
                const approved = makeEvent(
                  {
                    type: 'analysis.result.approved',
                    source: 'analysis',
                    subject: next.labNo,
                    actor: actorOf(p, p.roles.includes('reviewer') ? 'reviewer' : 'qa_manager'),
                    data,
                    traceparent: request.trace.traceparent,
                  },
                  now,
                );
                await ctx.enqueue(tx, approved, now);
              }
              return { doc: next, extra: undefined };
            },
          },
        ),
      );
      ctx.eventsEnqueued();
      return view(doc);
    },
  );

  app.get('/v1/results/:id', { config: { roles: ANALYTICAL_STAFF }, schema: { params: IdParams } }, async (request) => {
    const versions = await store.collection(results).find({ resultId: request.params.id }, { sort: { version: 1 } });
    const first = versions[0];
    if (first === undefined) throw AnalysisErrors.ANALYSIS_ERR_RESULT_NOT_FOUND(`no result ${request.params.id}`);
    assertCanSee(request.principal, await loadWorkItem(store, first.workItemId));
    return { resultId: request.params.id, versions: versions.map(({ _id, _v, ...r }) => r) };
  });

  app.post(
    '/v1/results/:id/corrections',
    { config: { roles: ['analyst', 'qa_manager'] }, schema: { params: IdParams, body: SignedCorrectionBody } },
    async (request, reply) => {
      const p = request.principal;
      const by = actorFrom(p);
      const { eSignature: token, reason } = request.body;
      const signed = await ctx.eSignatures.verify(token, { sub: p.sub, ...signedActs.correct(request.params.id) });
      const item = await store.collection(workItems).findOne({ resultId: request.params.id });
      if (item === undefined) throw AnalysisErrors.ANALYSIS_ERR_RESULT_NOT_FOUND(`no result ${request.params.id}`);
      const now = ctx.now();
      const eSignature = recordedSignature(signed);
      const { doc } = await store.transaction((tx) =>
        changeWorkItem(
          tx,
          item._id,
          { kind: 'correct', by, reason },
          {
            now,
            auditAfter: { reason, eSignature },
            amend: async (next, _event, before) => {
              await recordSignatureUse(tx, { ...eSignature, by: signed.by }, {
                act: 'correction_opened',
                entityId: before._id,
                at: now.toISOString(),
              });
              return { doc: { ...next, correctionSignature: eSignature }, extra: undefined };
            },
          },
        ),
      );
      return reply.status(201).send(view(doc));
    },
  );

  app.get(
    '/v1/work-items/:id/audit',
    { config: { roles: ['reviewer', 'qa_manager', 'admin'] }, schema: { params: IdParams } },
    async (request) => {
      const records = await store.collection(auditRecords).find({ entityId: request.params.id }, { sort: { at: 1 } });
      return { records: records.map(({ _id, _v, ...r }) => r) };
    },
  );
}
