// HTTP routes of intake under /v1. Bodies are validated by the zod schemas in @tamga/contracts;
// every route names the roles it admits, and records are checked against the caller's agency.
import { z } from 'zod';
import {
  AcceptTransferBody,
  AddInvestigatorBody,
  AgencyParams,
  AnalysisRequestBody,
  BarcodeParams,
  CaseParams,
  CaseListQuery,
  CreateAgencyBody,
  CreateLocationBody,
  CustodyCheckpointQuery,
  CustodyCommandBody,
  DeclineTransferBody,
  DeviationParams,
  InventoryQuery,
  ItemParams,
  LabelQuery,
  LabelSheetQuery,
  OfferTransferBody,
  OpenCaseBody,
  PhotoParams,
  PhotoUploadQuery,
  ReceiveItemBody,
  RecordDeviationBody,
  ResolveDeviationBody,
  SignedActBody,
  SubSampleBody,
  TransferParams,
  WitnessDestructionBody,
} from '@tamga/contracts';
import { encodePublicKey } from '@tamga/custody';
import { assertAgencyScope, type ESignatureVerifier, type ServiceApp } from '@tamga/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { IntakeErrors } from '../domain/errors.ts';
import { labNoFromScan } from '../domain/lab-number.ts';
import { PHOTO_LIMIT_BYTES, isPhotoType, sniffPhotoType, type PhotoType } from '../domain/photos.ts';
import type { ItemState } from '../domain/custody.ts';
import { signedActs, type CustodyMeaning, type SignedActText } from '@tamga/contracts';

type SignedAct = SignedActText<CustodyMeaning>;
import { renderLabelPdf, renderLabelPng, renderLabelSheetPdf, type LabelData, type Symbology } from '../labels/labels.ts';
import type { Caller, IntakeStore } from '../store/intake-store.ts';
import { CUSTODY_ROLES, INTAKE_ROLES, LAB_STAFF_ROLES, READ_ROLES, WITNESS_ROLES } from './access.ts';

function callerOf(request: FastifyRequest): Caller {
  const header = request.headers.traceparent;
  return { principal: request.principal, traceparent: typeof header === 'string' ? header : undefined };
}

export interface IntakeRouteOptions {
  now: () => Date;
  /** Checks the e-signature tokens of receipts, moves and transfers against the portal's key. */
  eSignatures: ESignatureVerifier;
}

export function registerIntakeRoutes(app: ServiceApp, intake: IntakeStore, options: IntakeRouteOptions): void {
  const { now, eSignatures } = options;

  /** The caller, with their e-signature verified against the act: signer, meaning and purpose must fit. */
  async function signedCaller(request: FastifyRequest, token: string, act: SignedAct): Promise<Caller> {
    return { ...callerOf(request), eSignature: await eSignatures.verify(token, { sub: request.principal.sub, ...act }) };
  }

  /** For an act where a signature is optional: verified and recorded when given. */
  async function maybeSignedCaller(request: FastifyRequest, token: string | undefined, act: SignedAct): Promise<Caller> {
    return token === undefined ? callerOf(request) : signedCaller(request, token, act);
  }

  async function readableItem(request: FastifyRequest, labNo: string): Promise<ItemState> {
    const item = await intake.getItem(labNo);
    assertAgencyScope(request.principal, item.agencyId);
    return item;
  }

  async function labelOf(labNo: string): Promise<LabelData> {
    const item = await intake.getItem(labNo);
    const c = await intake.getCase(item.caseId);
    return {
      labNo,
      caseId: c.caseId,
      agencyCaseNumber: c.agencyCaseNumber,
      exhibitNo: item.exhibitNo,
      description: item.description,
      ...(item.parent ? { note: `Проба из / sub-sample of ${item.parent.labNo}` } : {}),
      receivedAt: item.receivedAt,
    };
  }

  // ---------------------------------------------------------------- agencies and cases
  app.post('/v1/agencies', { config: { roles: INTAKE_ROLES }, schema: { body: CreateAgencyBody } }, async (request, reply) =>
    reply.code(201).send(await intake.createAgency(callerOf(request), request.body)),
  );
  app.get('/v1/agencies/:agencyId', { config: { roles: READ_ROLES }, schema: { params: AgencyParams } }, async (request) => {
    assertAgencyScope(request.principal, request.params.agencyId);
    return intake.getAgency(request.params.agencyId);
  });
  app.post('/v1/agencies/:agencyId/investigators', { config: { roles: INTAKE_ROLES }, schema: { params: AgencyParams, body: AddInvestigatorBody } }, async (request, reply) =>
    reply.code(201).send(await intake.addInvestigator(callerOf(request), request.params.agencyId, request.body)),
  );

  app.post('/v1/cases', { config: { roles: INTAKE_ROLES }, schema: { body: OpenCaseBody } }, async (request, reply) =>
    reply.code(201).send(await intake.openCase(callerOf(request), request.body)),
  );
  app.get('/v1/cases', { config: { roles: READ_ROLES }, schema: { querystring: CaseListQuery } }, async (request) => {
    const p = request.principal;
    // Investigators see their own agency's cases only, whatever they ask for.
    const investigatorOnly = p.roles.every((r) => r === 'investigator');
    if (investigatorOnly && request.query.agencyId !== undefined) assertAgencyScope(p, request.query.agencyId);
    const agencyId = investigatorOnly ? (p.agencyId ?? '\u0000') : request.query.agencyId;
    return { cases: await intake.listCases({ agencyId, limit: request.query.limit }) };
  });
  app.get('/v1/cases/:caseId', { config: { roles: READ_ROLES }, schema: { params: CaseParams } }, async (request) => {
    const c = await intake.getCase(request.params.caseId);
    assertAgencyScope(request.principal, c.agencyId);
    return { ...c, items: await intake.itemsOfCase(c.caseId) };
  });

  // ---------------------------------------------------------------- items
  app.post('/v1/cases/:caseId/items', { config: { roles: INTAKE_ROLES }, schema: { params: CaseParams, body: ReceiveItemBody.extend(SignedActBody.shape) } }, async (request, reply) => {
    const { eSignature, ...body } = request.body;
    const caller = await signedCaller(request, eSignature, signedActs.receive(request.params.caseId, body.exhibitNo));
    const { item, events } = await intake.receiveItem(caller, request.params.caseId, body);
    return reply.code(201).header('location', `/v1/items/${item.labNo}`).send({ ...item, custodyHead: events.at(-1)?.hash });
  });
  app.get('/v1/items/by-barcode/:code', { config: { roles: READ_ROLES }, schema: { params: BarcodeParams } }, async (request) =>
    readableItem(request, labNoFromScan(request.params.code)),
  );
  app.get('/v1/items/:labNo', { config: { roles: READ_ROLES }, schema: { params: ItemParams } }, async (request) => {
    const item = await readableItem(request, request.params.labNo);
    return { ...item, deviations: await intake.deviationsOf(item.labNo) };
  });

  // ---------------------------------------------------------------- custody
  app.post('/v1/items/:labNo/custody', { config: { roles: CUSTODY_ROLES }, schema: { params: ItemParams, body: z.intersection(CustodyCommandBody, SignedActBody) } }, async (request, reply) => {
    const { eSignature, ...command } = request.body;
    const caller = await signedCaller(request, eSignature, signedActs.move(request.params.labNo, command.kind));
    const { item, events } = await intake.custody(caller, request.params.labNo, command);
    return reply.code(201).send({ item, events });
  });
  // The witness of a destruction need not handle evidence day to day (a QA manager often
  // witnesses): any lab staff may, with their own e-signature, never the proposer.
  app.post(
    '/v1/items/:labNo/destruction/witness',
    { config: { roles: WITNESS_ROLES }, schema: { params: ItemParams, body: WitnessDestructionBody } },
    async (request, reply) => {
      const { eSignature, remarks, photos } = request.body;
      const caller = await signedCaller(request, eSignature, signedActs.witnessDestruction(request.params.labNo));
      const { item, events } = await intake.custody(caller, request.params.labNo, { kind: 'witness_destruction', ...(remarks === undefined ? {} : { remarks }), photos });
      return reply.code(201).send({ item, events });
    },
  );
  app.post('/v1/items/:labNo/transfers', { config: { roles: CUSTODY_ROLES }, schema: { params: ItemParams, body: OfferTransferBody.extend(SignedActBody.shape) } }, async (request, reply) => {
    const transferId = randomUUID();
    const { to, purpose, condition, remarks, eSignature } = request.body;
    const caller = await signedCaller(request, eSignature, signedActs.offerTransfer(request.params.labNo, to.userId));
    const { item, events } = await intake.custody(caller, request.params.labNo, {
      kind: 'offer_transfer',
      transferId,
      to: { userId: to.userId, name: to.name },
      purpose,
      ...(condition === undefined ? {} : { condition }),
      ...(remarks === undefined ? {} : { remarks }),
    });
    return reply.code(201).send({ transferId, item, events });
  });
  /** The receiver accepts (re-authenticating) or declines a pending hand-over. */
  async function answerTransfer(caller: Caller, params: TransferParams, kind: 'accept_transfer' | 'decline_transfer', body: AcceptTransferBody) {
    return intake.custody(caller, params.labNo, {
      kind,
      transferId: params.transferId,
      ...(body.condition === undefined ? {} : { condition: body.condition }),
      ...(body.remarks === undefined ? {} : { remarks: body.remarks }),
    });
  }
  /**
   * Only the named receiver may answer a pending hand-over: checked before the body is read, like
   * the role, so anyone else is turned away with 403 whatever they send.
   */
  async function onlyTheReceiver(request: FastifyRequest): Promise<void> {
    const params = TransferParams.safeParse(request.params);
    if (!params.success) return; // validation names the bad parameter next
    const item = await intake.getItem(params.data.labNo);
    const pending = item.pendingTransfer;
    if (pending?.transferId === params.data.transferId && pending.to.userId !== request.principal.sub) {
      throw IntakeErrors.INTAKE_ERR_NOT_TRANSFER_RECIPIENT(`Transfer ${pending.transferId} is addressed to ${pending.to.name}`);
    }
  }
  app.post(
    '/v1/items/:labNo/transfers/:transferId/accept',
    { config: { roles: CUSTODY_ROLES }, preValidation: onlyTheReceiver, schema: { params: TransferParams, body: AcceptTransferBody.extend(SignedActBody.shape) } },
    async (request, reply) => {
      const { eSignature, ...body } = request.body;
      const caller = await signedCaller(request, eSignature, signedActs.acceptTransfer(request.params.labNo, request.params.transferId));
      return reply.code(201).send(await answerTransfer(caller, request.params, 'accept_transfer', body));
    },
  );
  app.post(
    '/v1/items/:labNo/transfers/:transferId/decline',
    { config: { roles: CUSTODY_ROLES }, preValidation: onlyTheReceiver, schema: { params: TransferParams, body: DeclineTransferBody.optional() } },
    async (request, reply) => {
      const { eSignature, ...body } = request.body ?? {};
      const caller = await maybeSignedCaller(request, eSignature, signedActs.declineTransfer(request.params.labNo, request.params.transferId));
      return reply.code(201).send(await answerTransfer(caller, request.params, 'decline_transfer', body));
    },
  );
  app.post('/v1/items/:labNo/sub-samples', { config: { roles: CUSTODY_ROLES }, schema: { params: ItemParams, body: SubSampleBody.extend(SignedActBody.shape) } }, async (request, reply) => {
    const { eSignature, ...body } = request.body;
    const caller = await signedCaller(request, eSignature, signedActs.subSample(request.params.labNo));
    const { item, parent } = await intake.takeSubSample(caller, request.params.labNo, body);
    return reply.code(201).header('location', `/v1/items/${item.labNo}`).send({ item, parent });
  });
  app.get('/v1/items/:labNo/custody', { config: { roles: READ_ROLES }, schema: { params: ItemParams } }, async (request) => {
    await readableItem(request, request.params.labNo);
    const { bundle, report } = await intake.ledger.verify(request.params.labNo, now());
    return { bundle, verification: report, logAudit: await intake.ledger.auditCheckpoints() };
  });
  app.get('/v1/custody/checkpoint', { config: { roles: READ_ROLES }, schema: { querystring: CustodyCheckpointQuery } }, async (request) => {
    const { checkpoint, fromSize, proof } = await intake.ledger.consistency(request.query.from, now());
    return { checkpoint: checkpoint.note, size: checkpoint.size, rootHash: checkpoint.rootHash, time: checkpoint.time, fromSize, consistencyProof: proof, publicKey: encodePublicKey(intake.ledger.publicKey) };
  });
  app.get('/v1/items/:labNo/audit', { config: { roles: ['qa_manager', 'admin', 'technician'] }, schema: { params: ItemParams } }, async (request) =>
    intake.auditOf(request.params.labNo),
  );

  // ---------------------------------------------------------------- deviations and analysis
  app.post('/v1/items/:labNo/deviations', { config: { roles: INTAKE_ROLES }, schema: { params: ItemParams, body: RecordDeviationBody } }, async (request, reply) =>
    reply.code(201).send(await intake.recordDeviation(callerOf(request), request.params.labNo, request.body)),
  );
  app.post(
    '/v1/items/:labNo/deviations/:deviationId/resolve',
    { config: { roles: INTAKE_ROLES }, schema: { params: DeviationParams, body: ResolveDeviationBody } },
    async (request) => intake.resolveDeviation(callerOf(request), request.params.labNo, request.params.deviationId, request.body),
  );
  // Sending an item for analysis releases it from its holder: e-signed like every custody act.
  app.post(
    '/v1/items/:labNo/analysis-requests',
    { config: { roles: INTAKE_ROLES }, schema: { params: ItemParams, body: AnalysisRequestBody.extend(SignedActBody.shape) } },
    async (request, reply) => {
      const { eSignature, ...body } = request.body;
      const caller = await signedCaller(request, eSignature, signedActs.sendForAnalysis(request.params.labNo));
      return reply.code(201).send(await intake.requestAnalysis(caller, request.params.labNo, body));
    },
  );

  // ---------------------------------------------------------------- labels
  app.get('/v1/items/:labNo/label.pdf', { config: { roles: READ_ROLES }, schema: { params: ItemParams, querystring: LabelQuery } }, async (request, reply) => {
    await readableItem(request, request.params.labNo);
    const pdf = await renderLabelPdf(await labelOf(request.params.labNo), request.query.symbology);
    return reply.type('application/pdf').send(pdf);
  });
  app.get('/v1/items/:labNo/label.png', { config: { roles: READ_ROLES }, schema: { params: ItemParams, querystring: LabelQuery } }, async (request, reply) => {
    await readableItem(request, request.params.labNo);
    const png = await renderLabelPng(await labelOf(request.params.labNo), request.query.symbology);
    return reply.type('image/png').send(png);
  });
  app.get(
    '/v1/labels/sheet.pdf',
    { config: { roles: INTAKE_ROLES }, schema: { querystring: LabelSheetQuery } },
    async (request, reply) => {
      const labels = await Promise.all(request.query.labNos.map(labelOf));
      const symbology: Symbology = request.query.symbology;
      return reply.type('application/pdf').send(await renderLabelSheetPdf(labels, symbology));
    },
  );

  // ---------------------------------------------------------------- storage locations
  app.post('/v1/locations', { config: { roles: INTAKE_ROLES }, schema: { body: CreateLocationBody } }, async (request, reply) =>
    reply.code(201).send(await intake.createLocation(callerOf(request), request.body)),
  );
  app.get('/v1/locations', { config: { roles: CUSTODY_ROLES } }, async () => intake.listLocations());

  // ---------------------------------------------------------------- inventory: where every item is
  app.get('/v1/inventory', { config: { roles: LAB_STAFF_ROLES }, schema: { querystring: InventoryQuery } }, async (request) => {
    const { cursor, ...filter } = request.query;
    return intake.inventory({ ...filter, after: cursor });
  });

  // ---------------------------------------------------------------- photos
  app.get('/v1/items/:labNo/photos', { config: { roles: READ_ROLES }, schema: { params: ItemParams } }, async (request) => {
    await readableItem(request, request.params.labNo);
    return { photos: await intake.photosOf(request.params.labNo) };
  });
  app.get('/v1/items/:labNo/photos/:photoId', { config: { roles: READ_ROLES }, schema: { params: PhotoParams } }, async (request, reply) => {
    await readableItem(request, request.params.labNo);
    const { photo, bytes } = await intake.photo(request.params.labNo, request.params.photoId);
    return reply.type(photo.contentType).header('x-content-sha256', photo.sha256).header('cache-control', 'private, no-store').send(Buffer.from(bytes));
  });
}

/**
 * The photo upload, in its own scope so its raw-bytes body parser stays out of the JSON routes.
 * The image is the body (image/jpeg or image/png); caption and custody event are query parameters.
 */
export function registerPhotoUpload(app: ServiceApp, intake: IntakeStore): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PHOTO_LIMIT_BYTES }, (_request, body, done) => {
    done(null, body);
  });
  const options = { bodyLimit: PHOTO_LIMIT_BYTES, config: { roles: INTAKE_ROLES } };
  const sent = (reply: FastifyReply, location: string, photo: { photoId: string; sha256: string; size: number; contentType: string }) =>
    reply.code(201).header('location', location).send({ photoId: photo.photoId, sha256: photo.sha256, size: photo.size, contentType: photo.contentType });

  app.post('/v1/items/:labNo/photos', { ...options, schema: { params: ItemParams, querystring: PhotoUploadQuery } }, async (request, reply) => {
    const { bytes, contentType } = photoOf(request);
    const item = await intake.getItem(request.params.labNo);
    assertAgencyScope(request.principal, item.agencyId);
    const photo = await intake.addPhoto(callerOf(request), item.labNo, { bytes, contentType, caption: request.query.caption, custodyEventId: request.query.custodyEventId });
    return sent(reply, `/v1/items/${item.labNo}/photos/${photo.photoId}`, photo);
  });
  // Photos taken at receipt, before the item has a lab number: the receipt cites their hashes.
  app.post('/v1/cases/:caseId/photos', { ...options, schema: { params: CaseParams, querystring: PhotoUploadQuery.pick({ caption: true }) } }, async (request, reply) => {
    const { bytes, contentType } = photoOf(request);
    const photo = await intake.stagePhoto(callerOf(request), request.params.caseId, { bytes, contentType, caption: request.query.caption });
    return sent(reply, `/v1/cases/${request.params.caseId}`, photo);
  });
}

/** The uploaded image: declared JPEG or PNG, and really one by its first bytes. */
function photoOf(request: FastifyRequest): { bytes: Uint8Array; contentType: PhotoType } {
  const declared = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!isPhotoType(declared)) {
    throw IntakeErrors.INTAKE_ERR_PHOTO_TYPE(`a photo is image/jpeg or image/png, not "${declared || 'nothing'}"`, {
      errors: [{ field: 'headers.content-type', message: 'must be image/jpeg or image/png' }],
    });
  }
  const bytes = request.body instanceof Uint8Array ? request.body : new Uint8Array();
  const actual = sniffPhotoType(bytes);
  if (actual !== declared) {
    throw IntakeErrors.INTAKE_ERR_PHOTO_CONTENT(`the body is ${actual ?? (bytes.length === 0 ? 'empty' : 'not a JPEG or PNG image')}, not ${declared}`, {
      errors: [{ field: 'body', message: `must be a ${declared} image` }],
    });
  }
  return { bytes, contentType: declared };
}
