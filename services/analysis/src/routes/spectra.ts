// Raw uploads: spectra of a work item and reference libraries. The body is the file itself
// (any content type), read as bytes so the stored blob and its SHA-256 are exactly what the
// instrument wrote. Everything is parsed and searched before anything is stored: a file that
// fails leaves no blob and no record behind.
import { randomUUID } from 'node:crypto';
import { CrmSpectraBody, IdParams, LibraryImportQuery, LibraryVersionParams, MirrorPlotQuery, SpectrumUploadQuery } from '@tamga/contracts';
import type { ServiceApp } from '@tamga/service-kit';
import { detectFormat, entropySimilarity, makeSpectrum, parseSpectrumFile } from '@tamga/spectra';
import { AnalysisErrors } from '../domain/errors.ts';
import { renderMirrorPlot } from '../plots/mirror-plot.ts';
import { spectrumUploads, workItems } from '../store/collections.ts';
import type { SpectrumUploadDoc, StoredHit, UploadedSpectrum } from '../store/collections.ts';
import { loadWorkItem, plain } from '../store/work-items.ts';
import { referencePeaks, referenceRi } from '../store/libraries.ts';
import { writeAudit } from '../store/audit.ts';
import { ANALYSTS, ANALYTICAL_STAFF, LIBRARY_KEEPERS, assertAssignee, assertCanSee } from './access.ts';
import type { RouteContext } from './context.ts';

const SPECTRUM_LIMIT = 32 * 1024 * 1024;
const LIBRARY_LIMIT = 256 * 1024 * 1024;

function bytesOf(body: unknown): Uint8Array {
  if (body instanceof Uint8Array && body.length > 0) return body;
  throw AnalysisErrors.ANALYSIS_ERR_BAD_UPLOAD('send the file as the request body', {
    errors: [{ field: 'body', message: 'is empty' }],
  });
}

/** Registered inside its own plugin so the bytes parser does not touch the JSON routes. */
export function rawUploadRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { store } = ctx;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  app.post(
    '/v1/work-items/:id/spectra',
    {
      bodyLimit: SPECTRUM_LIMIT,
      config: { roles: ANALYSTS },
      schema: { params: IdParams, querystring: SpectrumUploadQuery },
    },
    async (request, reply) => {
      const p = request.principal;
      const q = request.query;
      const item = await loadWorkItem(store, request.params.id);
      assertAssignee(p, item);
      if (item.status !== 'in_progress' && item.status !== 'rejected') {
        throw AnalysisErrors.ANALYSIS_ERR_WRONG_STATUS(
          `cannot add spectra to a work item that is ${item.status.replace('_', ' ')}`,
        );
      }
      const bytes = bytesOf(request.body);
      const format = detectFormat(new TextDecoder().decode(bytes.subarray(0, 4096)), q.filename);
      const parsed = parseSpectrumFile(bytes, q.filename);
      const withPeaks = parsed.filter((s) => s.mz.length > 0);
      if (withPeaks.length === 0)
        throw AnalysisErrors.ANALYSIS_ERR_EMPTY_SPECTRUM(`${q.filename} holds no spectrum with peaks`);
      const { doc: library, index } = await ctx.catalogue.current();
      const spectra: UploadedSpectrum[] = withPeaks.map((s, k) => {
        const found = index.search(s, { top: q.top });
        const hits: StoredHit[] = found.hits.map((h) => {
          const libraryRi = referenceRi(index, h.index);
          return {
            rank: h.rank,
            index: h.index,
            name: h.name,
            libraryRecordId: h.id,
            inchikey: h.inchikey,
            score: h.score,
            mf: h.mf,
            rmf: h.rmf,
            entropy: 1000 * entropySimilarity(s, makeSpectrum(referencePeaks(index, h.index))),
            probability: h.probability,
            libraryRi,
            riDelta: libraryRi === undefined || s.ri === undefined ? undefined : s.ri - libraryRi,
            adjustments: h.adjustments,
          };
        });
        return {
          index: k,
          name: s.name,
          mz: Array.from(s.mz),
          intensity: Array.from(s.intensity),
          ri: s.ri,
          search: { library: { name: library.name, version: library.version }, measure: found.measure, hits },
        };
      });
      // Only now, with a good file: the raw blob first, then the record that names it.
      const raw = await store.blobs.put(bytes, request.headers['content-type'] ?? 'application/octet-stream');
      const now = ctx.now();
      const id = `SP-${randomUUID()}`;
      const record: SpectrumUploadDoc = {
        workItemId: item._id,
        labNo: item.labNo,
        filename: q.filename,
        format,
        raw,
        instrument: q.instrument,
        method: q.method,
        injectionId: q.injectionId,
        sampleId: q.sampleId,
        retentionTime: q.retentionTime,
        spectra,
        uploadedBy: { id: p.sub, name: p.name },
        uploadedAt: now.toISOString(),
      };
      await store.transaction(async (tx) => {
        const current = await loadWorkItem(tx, item._id);
        if (current.analyst?.id !== p.sub)
          throw AnalysisErrors.ANALYSIS_ERR_NOT_ASSIGNED('the work item was reassigned meanwhile');
        await tx.collection(spectrumUploads).insert({ _id: id, ...record });
        if (current.analysedFrom === undefined) {
          await tx.collection(workItems).update(current._id, current._v, {
            ...plain(current),
            analysedFrom: record.uploadedAt,
            updatedAt: record.uploadedAt,
          });
        }
        await writeAudit(tx, {
          at: record.uploadedAt,
          actor: record.uploadedBy,
          action: 'spectrum.uploaded',
          entity: 'work_item',
          entityId: item._id,
          after: { spectrumId: id, filename: q.filename, sha256: raw.sha256, library: spectra[0]?.search.library },
        });
      });
      return reply.status(201).send({ id, ...summary(record) });
    },
  );

  app.post(
    '/v1/libraries',
    { bodyLimit: LIBRARY_LIMIT, config: { roles: LIBRARY_KEEPERS }, schema: { querystring: LibraryImportQuery } },
    async (request, reply) => {
      const p = request.principal;
      const doc = await ctx.catalogue.importMsp({
        name: request.query.name,
        version: request.query.version,
        filename: `${request.query.name}-${request.query.version}.msp`,
        bytes: bytesOf(request.body),
        by: { id: p.sub, name: p.name },
        now: ctx.now(),
      });
      const { _v, _id, ...rest } = doc;
      return reply.status(201).send({ id: _id, ...rest });
    },
  );

  // A JSON route inside this plugin parses its own body.
  app.post(
    '/v1/libraries/:name/versions/:version/crm-spectra',
    {
      bodyLimit: SPECTRUM_LIMIT,
      config: { roles: LIBRARY_KEEPERS },
      schema: { params: LibraryVersionParams },
    },
    async (request, reply) => {
      const p = request.principal;
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(bytesOf(request.body)));
      } catch (cause) {
        throw AnalysisErrors.ANALYSIS_ERR_BAD_UPLOAD('the body must be JSON', {
          cause,
          errors: [{ field: 'body', message: 'is not JSON' }],
        });
      }
      const parsed = CrmSpectraBody.safeParse(json);
      if (!parsed.success) {
        throw AnalysisErrors.ANALYSIS_ERR_BAD_UPLOAD('the CRM spectra body is invalid', {
          errors: parsed.error.issues.map((i) => ({
            field: ['body', ...i.path.map(String)].join('.'),
            message: i.message,
          })),
        });
      }
      const doc = await ctx.catalogue.addCrmSpectra({
        name: request.params.name,
        baseVersion: request.params.version,
        newVersion: parsed.data.newVersion,
        crm: parsed.data.crm,
        msp: parsed.data.msp,
        by: { id: p.sub, name: p.name },
        now: ctx.now(),
      });
      const { _v, _id, ...rest } = doc;
      return reply.status(201).send({ id: _id, ...rest });
    },
  );
}

function summary(r: SpectrumUploadDoc) {
  return {
    workItemId: r.workItemId,
    labNo: r.labNo,
    filename: r.filename,
    format: r.format,
    raw: r.raw,
    instrument: r.instrument,
    method: r.method,
    injectionId: r.injectionId,
    sampleId: r.sampleId,
    retentionTime: r.retentionTime,
    uploadedBy: r.uploadedBy,
    uploadedAt: r.uploadedAt,
    spectra: r.spectra.map((s) => ({
      index: s.index,
      name: s.name,
      peakCount: s.mz.length,
      ri: s.ri,
      search: s.search,
    })),
  };
}

/** Reading spectra: JSON routes, default parsers. */
export function spectrumReadRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { store } = ctx;

  async function visibleUpload(id: string, principal: Parameters<typeof assertCanSee>[0]) {
    const upload = await store.collection(spectrumUploads).get(id);
    if (upload === undefined) throw AnalysisErrors.ANALYSIS_ERR_SPECTRUM_NOT_FOUND(`no spectrum ${id}`);
    assertCanSee(principal, await loadWorkItem(store, upload.workItemId));
    return upload;
  }

  app.get(
    '/v1/work-items/:id/spectra',
    { config: { roles: ANALYTICAL_STAFF }, schema: { params: IdParams } },
    async (request) => {
      assertCanSee(request.principal, await loadWorkItem(store, request.params.id));
      const uploads = await store
        .collection(spectrumUploads)
        .find({ workItemId: request.params.id }, { sort: { uploadedAt: 1 } });
      return { spectra: uploads.map((u) => ({ id: u._id, ...summary(u) })) };
    },
  );

  app.get('/v1/spectra/:id', { config: { roles: ANALYTICAL_STAFF }, schema: { params: IdParams } }, async (request) => {
    const u = await visibleUpload(request.params.id, request.principal);
    return {
      id: u._id,
      ...summary(u),
      peaks: u.spectra.map((s) => ({ index: s.index, mz: s.mz, intensity: s.intensity })),
    };
  });

  app.get(
    '/v1/spectra/:id/raw',
    { config: { roles: ANALYTICAL_STAFF }, schema: { params: IdParams } },
    async (request, reply) => {
      const u = await visibleUpload(request.params.id, request.principal);
      const bytes = await store.blobs.get(u.raw.sha256);
      return reply
        .header('content-type', u.raw.contentType)
        .header('content-disposition', `attachment; filename="${u.filename.replace(/["\\\r\n]/g, '_')}"`)
        .header('x-content-sha256', u.raw.sha256)
        .send(Buffer.from(bytes));
    },
  );

  app.get(
    '/v1/spectra/:id/mirror-plot.svg',
    {
      config: { roles: ANALYTICAL_STAFF },
      schema: {
        params: IdParams,
        querystring: MirrorPlotQuery,
      },
    },
    async (request, reply) => {
      const u = await visibleUpload(request.params.id, request.principal);
      const s = u.spectra[request.query.spectrum];
      const hit = s?.search.hits.find((h) => h.rank === request.query.rank);
      if (s === undefined || hit === undefined)
        throw AnalysisErrors.ANALYSIS_ERR_SPECTRUM_NOT_FOUND('no such spectrum or hit rank');
      const { index } = await ctx.catalogue.open(s.search.library.name, s.search.library.version);
      const svg = renderMirrorPlot({
        query: s.mz.map((mz, k) => [mz, s.intensity[k] ?? 0] as const),
        reference: referencePeaks(index, hit.index),
        queryName: `${u.labNo}: ${s.name || u.filename}`,
        referenceName: hit.name,
        // Uploads stored before entropy was kept have none.
        caption: `MF ${Math.round(hit.mf)}, RMF ${Math.round(hit.rmf)}${Number.isFinite(hit.entropy) ? `, entropy ${Math.round(hit.entropy)}` : ''}; ${s.search.library.name} ${s.search.library.version}`,
      });
      return reply.header('content-type', 'image/svg+xml; charset=utf-8').send(svg);
    },
  );
}
