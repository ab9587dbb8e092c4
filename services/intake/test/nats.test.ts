import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats, ensureStreams, jetstream, jetstreamManager, startOutboxRelay, type NatsConnection, type OutboxRelay } from '@tamga/messaging';
import { findNatsServer, startNats, type NatsServer } from '@tamga/testkit';
import { caseBody, itemBody, signedActs, startFixture, type Fixture } from './fixture.ts';

const available = Boolean(process.env.NATS_URL) || findNatsServer() !== undefined;
if (!available) console.warn('intake nats.test: no NATS_URL and no nats-server on PATH; the publish test is skipped');

describe.skipIf(!available)('intake events over real NATS', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let relay: OutboxRelay;
  let f: Fixture;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats({ servers: nats.url, name: 'intake-test' });
    await ensureStreams(nc);
    f = await startFixture();
    relay = startOutboxRelay({ store: f.store, js: jetstream(nc), pollMs: 50 });
  });

  afterAll(async () => {
    await relay?.stop();
    await f?.app.close();
    await nc?.drain();
    await nats?.stop();
  });

  it('publishes intake.analysis.requested with the item and its custody head', async () => {
    await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'Police', kind: 'police' });
    const caseId = (await f.call('ana', 'POST', '/v1/cases', caseBody)).json().caseId as string;
    const labNo = await f.receive('ana', caseId, itemBody);
    const req = await f.call('ana', 'POST', `/v1/items/${labNo}/analysis-requests`, {
      determinations: ['identification'],
      priority: 'urgent',
      eSignature: await f.sign('ana', signedActs.sendForAnalysis(labNo)),
    });
    expect(req.status, req.body).toBe(201);
    await relay.flush();

    const jsm = await jetstreamManager(nc);
    const msg = await jsm.streams.getMessage('INTAKE', { last_by_subj: 'intake.analysis.requested' });
    const event = msg?.json<{ type: string; subject: string; data: Record<string, unknown> }>();
    expect(event).toMatchObject({
      type: 'intake.analysis.requested',
      subject: labNo,
      data: { labNo, caseId, agencyId: 'police', determinations: ['identification'], priority: 'urgent', requestId: req.json().requestId },
    });
    expect(event?.data.custodyHead).toMatch(/^[0-9a-f]{64}$/);
    const received = await jsm.streams.getMessage('INTAKE', { last_by_subj: 'intake.item.received' });
    expect(received?.json<{ subject: string }>().subject).toBe(labNo);
  });
});
