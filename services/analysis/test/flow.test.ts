// request -> queue -> spectra upload + library search -> findings -> review by a second person ->
// analysis.result.approved received by a consumer, over a real NATS and through HTTP.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, systemActor } from '@tamga/contracts';
import type { AnyEvent, Principal } from '@tamga/contracts';
import { connectNats, ensureStreams, jetstream, startConsumer, startOutboxRelay } from '@tamga/messaging';
import type { NatsConnection, OutboxRelay, RunningConsumer } from '@tamga/messaging';
import {
  createESignatureVerifier,
  createJwtAuthenticator,
  createLogger,
  createTokenIssuer,
  generateSigningKeyPair,
  issueESignature,
} from '@tamga/service-kit';
import type { ServiceApp, SigningKeyPair, TokenIssuer } from '@tamga/service-kit';
import { createMemoryStore } from '@tamga/store';
import type { DocumentStore } from '@tamga/store';
import { findNatsServer, startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import { parseMsp, writeMsp } from '@tamga/spectra';
import { buildApp, startAnalysisConsumers } from '../src/index.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const dataDir = resolve(repoRoot, '../shared/data/ei-library');
const libraryFile = resolve(dataDir, 'library.msp');
const queriesFile = resolve(dataDir, 'queries-dev.msp');
const haveData = existsSync(libraryFile) && existsSync(queriesFile);
const haveNats = process.env.NATS_URL !== undefined || findNatsServer() !== undefined;
if (!haveData) console.warn(`analysis flow tests skipped: ${libraryFile} or ${queriesFile} is absent`);
if (!haveNats) console.warn('analysis flow tests skipped: no NATS_URL and no nats-server binary on PATH');

const ana: Principal = { sub: 'u-ana', name: 'Aigerim Analyst', roles: ['analyst'], lab: 'TMG' };
const ana2: Principal = { sub: 'u-ana2', name: 'Bakhyt Analyst', roles: ['analyst', 'reviewer'], lab: 'TMG' };
const rev: Principal = { sub: 'u-rev', name: 'Rustam Reviewer', roles: ['reviewer'], lab: 'TMG' };
const qa: Principal = { sub: 'u-qa', name: 'Qamila QA', roles: ['qa_manager'], lab: 'TMG' };
const inv: Principal = {
  sub: 'u-inv',
  name: 'Ivan Investigator',
  roles: ['investigator'],
  lab: 'TMG',
  agencyId: 'police-1',
};
const tech: Principal = { sub: 'u-tech', name: 'Talgat Technician', roles: ['technician'], lab: 'TMG' };

describe.skipIf(!haveData || !haveNats)('analysis workflow over NATS and HTTP', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let store: DocumentStore;
  let app: ServiceApp;
  let relay: OutboxRelay;
  let issuer: TokenIssuer;
  const consumers: RunningConsumer[] = [];
  const received: AnyEvent[] = [];
  const tokens = new Map<string, string>();

  let keys: SigningKeyPair;
  const auth = (p: Principal) => ({ authorization: `Bearer ${tokens.get(p.sub) ?? ''}` });

  /** The portal's e-signature of `p` for one act, as POST /v1/e-signatures returns it. */
  function eSign(p: Principal, meaning: string, purpose: string): Promise<string> {
    const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    return issueESignature(
      { sub: p.sub, printedName: p.name, time, meaning, purpose, lab: 'TMG' },
      { privateKey: keys.privateKey, kid: keys.kid, issuer: 'tamga-portal' },
    );
  }

  async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function requestEvent(labNo: string, requestId: string) {
    return makeEvent(
      {
        type: 'intake.analysis.requested',
        source: 'intake',
        subject: labNo,
        actor: systemActor('intake'),
        data: {
          labNo,
          caseId: 'case-1',
          agencyId: 'police-1',
          determinations: ['identification', 'net_weight'],
          priority: 'urgent',
          requestId,
        },
      },
      new Date(),
    );
  }

  async function publish(event: AnyEvent, dedupe = true): Promise<void> {
    await jetstream(nc).publish(event.type, JSON.stringify(event), dedupe ? { msgID: event.id } : {});
  }

  async function workItemOf(labNo: string): Promise<{ id: string; status: string } | undefined> {
    const res = await app.inject({ method: 'GET', url: '/v1/work-items', headers: auth(rev) });
    const items = res.json<{ items: { id: string; labNo: string; status: string }[] }>().items;
    return items.find((i) => i.labNo === labNo);
  }

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats({ servers: nats.url, name: 'analysis-test' });
    await ensureStreams(nc);
    store = createMemoryStore({ quiet: true });
    keys = await generateSigningKeyPair();
    issuer = createTokenIssuer({
      privateKey: keys.privateKey,
      kid: keys.kid,
      issuer: 'tamga-portal',
      audience: 'tamga',
      ttlSeconds: 600,
    });
    for (const p of [ana, ana2, rev, qa, inv, tech]) tokens.set(p.sub, await issuer.issue(p));
    relay = startOutboxRelay({ store, js: jetstream(nc), pollMs: 200 });
    ({ app } = await buildApp({
      store,
      auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' }),
      eSignatures: createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal' }),
      thresholds: [
        { jurisdiction: 'XX', substance: 'Promethazine', significant: 0.5, large: 2.5, source: 'Test decree No. 1' },
      ],
      opinionAuthorized: [qa.sub],
      logger: createLogger({ name: 'analysis', level: 'silent' }),
      onCommitted: () => relay.notify(),
    }));
    consumers.push(...(await startAnalysisConsumers({ nc, store })));
    // The reporting side: any consumer of analysis.result.approved, with its own store and inbox.
    consumers.push(
      await startConsumer({
        nc,
        store: createMemoryStore({ quiet: true }),
        stream: 'ANALYSIS',
        durable: 'test-reporting',
        filterSubject: 'analysis.result.approved',
        handler: (event) => {
          received.push(event);
          return Promise.resolve();
        },
      }),
    );
    // The library: the public EI reference set.
    const lib = await app.inject({
      method: 'POST',
      url: '/v1/libraries?name=MassBank-EI&version=2025.05.1',
      headers: { ...auth(qa), 'content-type': 'application/octet-stream' },
      payload: readFileSync(libraryFile),
    });
    expect(lib.statusCode, lib.body).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await relay?.stop();
    await nc?.drain();
    await app?.close();
    await nats?.stop();
  });

  it('turns one request into exactly one work item, even when redelivered or sent twice', async () => {
    const event = requestEvent('TMG-2025-000101-01', 'req-101');
    await publish(event);
    await publish(event, false); // the same event again, past the broker's de-duplication
    await publish(requestEvent('TMG-2025-000101-01', 'req-101')); // intake re-sending the request
    const item = await eventually(() => workItemOf('TMG-2025-000101-01'), 'the work item');
    await new Promise((r) => setTimeout(r, 1000));
    const res = await app.inject({ method: 'GET', url: '/v1/work-items', headers: auth(qa) });
    const items = res
      .json<{ items: { labNo: string; dueDate: string }[] }>()
      .items.filter((i) => i.labNo === 'TMG-2025-000101-01');
    expect(items).toHaveLength(1);
    expect(item.status).toBe('queued');
  });

  it('runs request -> upload -> right compound first -> findings -> second-person review -> approved event', async () => {
    const labNo = 'TMG-2025-000102-01';
    await publish(requestEvent(labNo, 'req-102'));
    const item = await eventually(() => workItemOf(labNo), 'the work item');

    // investigators and technicians never see the work queue
    expect((await app.inject({ method: 'GET', url: '/v1/work-items', headers: auth(inv) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/work-items', headers: auth(tech) })).statusCode).toBe(403);

    const claim = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/assignment`,
      headers: auth(ana),
      payload: {},
    });
    expect(claim.statusCode, claim.body).toBe(200);
    expect(claim.json()).toMatchObject({ status: 'in_progress', analyst: { id: ana.sub } });

    // another analyst cannot upload to it
    const query = parseMsp(readFileSync(queriesFile, 'utf8')).find((s) => s.name === 'PROMETHAZINE');
    expect(query).toBeDefined();
    const file = writeMsp(query === undefined ? [] : [query]);
    const foreign = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/spectra?filename=x.msp`,
      headers: { ...auth(ana2), 'content-type': 'text/plain' },
      payload: file,
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'ANALYSIS_ERR_NOT_ASSIGNED' });

    const up = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/spectra?filename=run-17.msp&instrument=GCMS-1&method=SOP-GCMS-04&injectionId=INJ-17&retentionTime=12.43`,
      headers: { ...auth(ana), 'content-type': 'text/plain' },
      payload: file,
    });
    expect(up.statusCode, up.body).toBe(201);
    const upload = up.json<{
      id: string;
      raw: { sha256: string };
      spectra: {
        search: {
          library: { name: string; version: string };
          hits: { rank: number; inchikey: string; score: number; mf: number; rmf: number; entropy: number; probability: number; adjustments: { reason: string; points: number }[] }[];
        };
      }[];
    }>();
    const expected = /Expected_InChIKey=([A-Z]{14})/.exec(query?.comments ?? '')?.[1];
    expect(upload.spectra[0]?.search.library).toEqual({ name: 'MassBank-EI', version: '2025.05.1' });
    expect(upload.spectra[0]?.search.hits[0]?.inchikey.slice(0, 14)).toBe(expected);
    // every hit is stored with all its scores (similarities 0..1000)
    for (const h of upload.spectra[0]?.search.hits ?? []) {
      expect(h.entropy).toBeGreaterThanOrEqual(0);
      expect(h.entropy).toBeLessThanOrEqual(1000);
      expect(h.rmf).toBeGreaterThanOrEqual(0);
      expect(h.probability).toBeGreaterThanOrEqual(0);
      // what the search's checks took from the score is kept with the hit
      expect(Array.isArray(h.adjustments)).toBe(true);
      for (const a of h.adjustments) expect(['derivative', 'low-mass', 'retention-index']).toContain(a.reason);
    }

    // the raw file comes back byte for byte with its SHA-256
    const raw = await app.inject({ method: 'GET', url: `/v1/spectra/${upload.id}/raw`, headers: auth(rev) });
    expect(raw.rawPayload.equals(Buffer.from(file))).toBe(true);
    expect(raw.headers['x-content-sha256']).toBe(upload.raw.sha256);

    const svg = await app.inject({
      method: 'GET',
      url: `/v1/spectra/${upload.id}/mirror-plot.svg?rank=1`,
      headers: auth(ana),
    });
    expect(svg.statusCode).toBe(200);
    expect(svg.body).toMatch(/^<svg/);

    const base = {
      sop: { id: 'SOP-GCMS-04', version: '3' },
      conclusion: 'identified',
      substance: 'Promethazine',
      hit: { spectrumId: upload.id, rank: 1 },
      qc: [
        { kind: 'blank', reference: 'BLK-2025-17', passed: true },
        { kind: 'tune_check', reference: 'PFTBA 2025-03-01', passed: true },
      ],
      netWeight: {
        gross: 3.5123,
        packaging: 0.4121,
        balance: { calibrationU: 0.0004, calibrationK: 2, repeatabilitySd: 0.0002 },
        jurisdiction: 'XX',
      },
      purity: {
        value: 62,
        components: [{ name: 'calibration curve', type: 'A', value: 0.015, distribution: 'normal' }],
      },
    };
    // an identification on MS alone is refused and records nothing
    const alone = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/findings`,
      headers: auth(ana),
      payload: { ...base, techniques: [{ technique: 'MS', result: 'positive' }] },
    });
    expect(alone.statusCode).toBe(422);
    expect(alone.json()).toMatchObject({ code: 'ANALYSIS_ERR_SWGDRUG_RULE' });
    expect(
      (await app.inject({ method: 'GET', url: `/v1/work-items/${item.id}`, headers: auth(ana) })).json(),
    ).toMatchObject({ hasFindings: false });

    const findings = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/findings`,
      headers: auth(ana),
      payload: {
        ...base,
        techniques: [
          { technique: 'MS', result: 'positive', spectrumId: upload.id },
          { technique: 'GC', result: 'positive' },
        ],
      },
    });
    expect(findings.statusCode, findings.body).toBe(201);
    expect(findings.json()).toMatchObject({
      findings: { swgdrug: { met: true, scheme: 'category_a' }, conformity: { established: 'large' } },
    });

    expect(
      (await app.inject({ method: 'POST', url: `/v1/work-items/${item.id}/submission`, headers: auth(ana) }))
        .statusCode,
    ).toBe(200);

    // the analyst cannot approve their own work
    const self = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/review`,
      headers: auth(ana),
      payload: {
        decision: 'approve',
        signature: { printedName: ana.name, meaning: 'approved' },
        eSignature: await eSign(ana, 'approved', `approve work item ${item.id}`),
      },
    });
    expect(self.statusCode).toBe(403);

    // a signature must name the signed-in reviewer
    const forged = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/review`,
      headers: auth(rev),
      payload: {
        decision: 'approve',
        signature: { printedName: 'Someone Else', meaning: 'approved' },
        eSignature: await eSign(rev, 'approved', `approve work item ${item.id}`),
      },
    });
    expect(forged.json()).toMatchObject({ code: 'ANALYSIS_ERR_SIGNATURE_MISMATCH' });

    const ok = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/review`,
      headers: auth(rev),
      payload: {
        decision: 'approve',
        signature: { printedName: rev.name, meaning: 'Technical review: results verified and approved' },
        eSignature: await eSign(rev, 'approved', `approve work item ${item.id}`),
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', approvedVersion: 1 });

    const event = await eventually(
      () => Promise.resolve(received.find((e) => e.subject === labNo)),
      'analysis.result.approved',
    );
    expect(event.type).toBe('analysis.result.approved');
    if (event.type !== 'analysis.result.approved') return;
    expect(event.data).toMatchObject({
      labNo,
      version: 1,
      substance: 'Promethazine',
      identified: true,
      analyst: { id: ana.sub, name: ana.name },
      reviewer: { id: rev.sub, name: rev.name },
      library: { name: 'MassBank-EI', version: '2025.05.1' },
      method: { sopId: 'SOP-GCMS-04', version: '3' },
      netWeight: { value: 3.1002, unit: 'g', coverageFactor: 2 },
      purity: { value: 62, unit: '%' },
    });
    expect(event.data.spectrum?.query.length).toBeGreaterThan(5);
    expect(event.data.spectrum?.reference.length).toBeGreaterThan(5);
    // reporting gets every score of the supporting hit, not only the match factor
    const hit = event.data.hit;
    expect(hit?.mf).toBeGreaterThan(0);
    expect(hit?.rmf).toBeGreaterThanOrEqual(hit?.mf ?? Infinity);
    expect(hit?.entropy).toBeGreaterThan(0);
    expect(hit?.entropy).toBeLessThanOrEqual(1000);
    expect(event.data.techniques).toEqual([
      'Mass spectrometry (SWGDRUG A)',
      'Gas chromatography (retention time) (SWGDRUG B)',
    ]);
    expect(event.data.conformity).toMatch(/exceeds the large amount/);

    // a correction opens version 2 and keeps version 1
    const corr = await app.inject({
      method: 'POST',
      url: `/v1/results/R-req-102/corrections`,
      headers: auth(qa),
      payload: { reason: 'SOP version was 4, not 3', eSignature: await eSign(qa, 'corrected', 'correct result R-req-102') },
    });
    expect(corr.statusCode, corr.body).toBe(201);
    expect(corr.json()).toMatchObject({ status: 'in_progress', version: 2, approvedVersion: 1 });
    await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/findings`,
      headers: auth(ana),
      payload: {
        ...base,
        sop: { id: 'SOP-GCMS-04', version: '4' },
        techniques: [
          { technique: 'MS', result: 'positive' },
          { technique: 'GC', result: 'positive' },
        ],
      },
    });
    await app.inject({ method: 'POST', url: `/v1/work-items/${item.id}/submission`, headers: auth(ana) });
    const again = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/review`,
      headers: auth(qa),
      payload: {
        decision: 'approve',
        signature: { printedName: qa.name, meaning: 'approved' },
        eSignature: await eSign(qa, 'approved', `approve work item ${item.id}`),
      },
    });
    expect(again.statusCode, again.body).toBe(200);
    const v2 = await eventually(
      () =>
        Promise.resolve(
          received.find((e) => e.subject === labNo && e.type === 'analysis.result.approved' && e.data.version === 2),
        ),
      'version 2',
    );
    expect(v2.type === 'analysis.result.approved' && v2.data.correction).toEqual({
      reason: 'SOP version was 4, not 3',
      supersedesVersion: 1,
    });
    const versions = (await app.inject({ method: 'GET', url: '/v1/results/R-req-102', headers: auth(rev) })).json<{
      versions: { version: number; status: string; findings: { input: { sop: { version: string } } } }[];
    }>();
    expect(versions.versions.map((v) => [v.version, v.status, v.findings.input.sop.version])).toEqual([
      [1, 'approved', '3'],
      [2, 'approved', '4'],
    ]);
    const audit = (
      await app.inject({ method: 'GET', url: `/v1/work-items/${item.id}/audit`, headers: auth(qa) })
    ).json<{ records: { action: string; actor: { id: string } }[] }>();
    expect(audit.records.map((r) => r.action)).toContain('work_item.correction_opened');
  }, 60_000);

  it('refuses a truncated upload and stores nothing', async () => {
    const labNo = 'TMG-2025-000103-01';
    await publish(requestEvent(labNo, 'req-103'));
    const item = await eventually(() => workItemOf(labNo), 'the work item');
    await app.inject({ method: 'POST', url: `/v1/work-items/${item.id}/assignment`, headers: auth(ana), payload: {} });
    const text = readFileSync(queriesFile, 'utf8');
    const cut = text.slice(0, text.indexOf('Num Peaks') + 40); // the first record, broken off inside its peak list
    const res = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/spectra?filename=cut.msp`,
      headers: { ...auth(ana), 'content-type': 'text/plain' },
      payload: cut,
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json()).toMatchObject({ code: 'SPECTRA_ERR_MALFORMED_MSP' });
    const list = (
      await app.inject({ method: 'GET', url: `/v1/work-items/${item.id}/spectra`, headers: auth(ana) })
    ).json<{ spectra: unknown[] }>();
    expect(list.spectra).toEqual([]);
    const { createHash } = await import('node:crypto');
    expect(await store.blobs.has(createHash('sha256').update(cut).digest('hex'))).toBe(false);
  });

  it('keeps a reviewer who did the work from reviewing it, and sends back with reasons', async () => {
    const labNo = 'TMG-2025-000104-01';
    await publish(requestEvent(labNo, 'req-104'));
    const item = await eventually(() => workItemOf(labNo), 'the work item');
    await app.inject({ method: 'POST', url: `/v1/work-items/${item.id}/assignment`, headers: auth(ana2), payload: {} });
    const f = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/findings`,
      headers: auth(ana2),
      payload: {
        sop: { id: 'SOP-TLC', version: '1' },
        conclusion: 'no_controlled_substance_detected',
        techniques: [{ technique: 'TLC', result: 'negative' }],
      },
    });
    expect(f.statusCode, f.body).toBe(201);
    await app.inject({ method: 'POST', url: `/v1/work-items/${item.id}/submission`, headers: auth(ana2) });
    const self = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/review`,
      headers: auth(ana2),
      payload: {
        decision: 'approve',
        signature: { printedName: ana2.name, meaning: 'approved' },
        eSignature: await eSign(ana2, 'approved', `approve work item ${item.id}`),
      },
    });
    expect(self.statusCode).toBe(403);
    expect(self.json()).toMatchObject({ code: 'ANALYSIS_ERR_SELF_REVIEW' });
    const back = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/review`,
      headers: auth(rev),
      payload: {
        decision: 'send_back',
        reasons: ['no positive control'],
        eSignature: await eSign(rev, 'returned', `send back work item ${item.id}`),
      },
    });
    expect(back.json()).toMatchObject({ status: 'rejected', sentBackReasons: ['no positive control'] });
    // an opinion needs authorization
    const op = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/opinions`,
      headers: auth(ana2),
      payload: { text: 'probably cut with caffeine' },
    });
    expect(op.json()).toMatchObject({ code: 'ANALYSIS_ERR_OPINION_NOT_AUTHORIZED' });
    // wrong roles for library import
    const lib = await app.inject({
      method: 'POST',
      url: '/v1/libraries?name=x&version=1',
      headers: { ...auth(ana), 'content-type': 'text/plain' },
      payload: 'Name: x\nNum Peaks: 1\n41 100\n',
    });
    expect(lib.statusCode).toBe(403);
  });
  it("adds the lab's own CRM spectra as a new, immutable library version that searches then name", async () => {
    const crmSpectrum = 'Name: Promethazine CRM\nNum Peaks: 5\n72 999\n180 60\n198 80\n213 40\n284 90\n';
    const res = await app.inject({
      method: 'POST',
      url: '/v1/libraries/MassBank-EI/versions/2025.05.1/crm-spectra',
      headers: { ...auth(qa), 'content-type': 'application/json' },
      payload: {
        newVersion: '2025.05.1+lab.1',
        crm: { name: 'Promethazine HCl', lot: 'LOT-42', certificate: 'CoA 42/2025' },
        msp: crmSpectrum,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'MassBank-EI',
      version: '2025.05.1+lab.1',
      count: 12586,
      basedOn: 'MassBank-EI@2025.05.1',
      crm: { lot: 'LOT-42' },
    });
    const dup = await app.inject({
      method: 'POST',
      url: '/v1/libraries/MassBank-EI/versions/2025.05.1/crm-spectra',
      headers: { ...auth(qa), 'content-type': 'application/json' },
      payload: { newVersion: '2025.05.1+lab.1', crm: { name: 'x', lot: 'y', certificate: 'z' }, msp: crmSpectrum },
    });
    expect(dup.json()).toMatchObject({ code: 'ANALYSIS_ERR_LIBRARY_EXISTS' });

    const labNo = 'TMG-2025-000105-01';
    await publish(requestEvent(labNo, 'req-105'));
    const item = await eventually(() => workItemOf(labNo), 'the work item');
    await app.inject({ method: 'POST', url: `/v1/work-items/${item.id}/assignment`, headers: auth(ana), payload: {} });
    const up = await app.inject({
      method: 'POST',
      url: `/v1/work-items/${item.id}/spectra?filename=crm-check.msp`,
      headers: { ...auth(ana), 'content-type': 'text/plain' },
      payload: crmSpectrum.replace('Promethazine CRM', 'unknown'),
    });
    expect(up.statusCode, up.body).toBe(201);
    const hits = up.json<{ spectra: { search: { library: { version: string }; hits: { name: string }[] } }[] }>()
      .spectra[0]?.search;
    expect(hits?.library.version).toBe('2025.05.1+lab.1');
    expect(hits?.hits[0]?.name).toBe('Promethazine CRM');
  }, 60_000);
});
