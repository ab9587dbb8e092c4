// The production shape on one machine: three NATS nodes, streams with three replicas, two
// instances of each service on one SQLite file per service. An item registered through either
// intake instance reaches analysis, and killing a NATS node (the stream leader) does not stop it.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedActs } from '@tamga/contracts';
import type { Principal } from '@tamga/contracts';
import { connectNats, jetstreamManager } from '@tamga/messaging';
import type { NatsConnection } from '@tamga/messaging';
import { createTokenIssuer, issueESignature, loadOrCreateSigningKey } from '@tamga/service-kit';
import { tempDir } from '@tamga/testkit';
import { natsServerAvailable, startSystem } from '../src/system/start-system.ts';
import type { RunningSystem, ServiceName } from '../src/system/start-system.ts';

const available = natsServerAvailable();
if (!available) console.warn('cluster test skipped: nats-server is not on PATH (sudo apt-get install nats-server)');

const LAB = 'LAB';
const STREAMS = ['INTAKE', 'ANALYSIS', 'REPORTING', 'DEADLETTER'];

/** A port P such that P..P+count-1 are free on loopback now. */
async function freePortRange(count: number, avoid: readonly number[] = []): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if (avoid.some((p) => Math.abs(p - base) < 40)) continue;
    let ok = true;
    for (let i = 0; i < count && ok; i += 1) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const found = await probe();
      if (found !== undefined) return found;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!available)('tamga start --cluster', () => {
  let system: RunningSystem | undefined;
  const printed: string[] = [];
  let startMs = 0;
  let token: (roles: Principal['roles']) => Promise<string>;
  let eSign: (sub: string, act: { meaning: string; purpose: string }) => Promise<string>;
  const admins: NatsConnection[] = [];
  const running = (): RunningSystem => {
    if (system === undefined) throw new Error('the system did not start');
    return system;
  };
  /** An operator connection to the given nodes (default: all). */
  const admin = async (servers?: string): Promise<NatsConnection> => {
    const s = running();
    const nc = await connectNats({ servers: servers ?? s.natsUrl, name: 'cluster-test', user: s.natsAdmin.user, pass: s.natsAdmin.pass });
    admins.push(nc);
    return nc;
  };
  const call = async (base: string, path: string, init: { method?: string; json?: unknown; roles: Principal['roles'] }): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${await token(init.roles)}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  /** Opens a case and registers one item with an analysis request through `intakeUrl`; returns its lab number. */
  const registerItem = async (intakeUrl: string, tag: string): Promise<string> => {
    const opened = await call(intakeUrl, '/v1/cases', {
      method: 'POST',
      roles: ['technician'],
      json: {
        agencyId: 'cluster-police',
        agencyCaseNumber: `CL-${tag}-${Date.now().toString(36)}`.toUpperCase(),
        investigator: { name: 'Det. Cluster', rank: 'inspector', contact: '+000 00 000 00 00' },
        offence: 'possession (cluster test)',
        jurisdiction: 'Test district',
        seizureDate: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
        request: 'Identify any controlled substance.',
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const caseId = (opened.body as { caseId: string }).caseId;
    const received = await call(intakeUrl, `/v1/cases/${encodeURIComponent(caseId)}/items`, {
      method: 'POST',
      roles: ['technician'],
      json: {
        exhibitNo: `Exhibit ${tag}`,
        description: 'Plastic bag with white powder',
        packaging: 'sealed paper envelope',
        seals: [{ number: `CS-${tag}-${Date.now().toString().slice(-6)}`, intact: true }],
        grossWeight: { grams: 1.2345, balanceId: 'BAL-1' },
        unitCount: 1,
        condition: 'sealed, seal intact',
        deliveredBy: { name: 'Sgt. Courier', organisation: 'Cluster Police' },
        // the receiving technician re-authenticates for the receipt, as the portal's e-signature step gives
        eSignature: await eSign('cluster-technician', { meaning: 'received', purpose: `receive Exhibit ${tag} into ${caseId}` }),
      },
    });
    expect(received.status, JSON.stringify(received.body)).toBe(201);
    const labNo = (received.body as { labNo: string }).labNo;
    const requested = await call(intakeUrl, `/v1/items/${encodeURIComponent(labNo)}/analysis-requests`, {
      method: 'POST',
      roles: ['technician'],
      json: {
        determinations: ['identification'],
        priority: 'routine',
        // sending it for analysis is e-signed as well
        eSignature: await eSign('cluster-technician', signedActs.sendForAnalysis(labNo)),
      },
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    return labNo;
  };
  const queuedLabNos = async (analysisUrl: string): Promise<string[]> => {
    const res = await call(analysisUrl, '/v1/work-items?limit=500', { roles: ['analyst'] });
    if (res.status !== 200) return [];
    return (res.body as { items: { labNo: string }[] }).items.map((w) => w.labNo);
  };

  beforeAll(async () => {
    const dataDir = tempDir('tamga-cluster');
    const natsPort = await freePortRange(3);
    const clusterPort = await freePortRange(3, [natsPort]);
    const basePort = await freePortRange(14, [natsPort, clusterPort]);
    const started = Date.now();
    system = await startSystem({
      dataDir,
      cluster: true,
      natsPort,
      clusterPort,
      basePort,
      labCode: LAB,
      // The web UI is not under test here; building it would take minutes.
      env: { WEB_BUILD: 'false', LOG_LEVEL: 'warn' },
      log: (line) => printed.push(line),
    });
    startMs = Date.now() - started;
    const key = await loadOrCreateSigningKey(join(dataDir, 'keys'));
    const issuer = createTokenIssuer({ privateKey: key.privateKey, kid: key.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 900 });
    token = (roles) => issuer.issue({ sub: `cluster-${roles.join('-')}`, name: 'Cluster Tester', roles, lab: LAB });
    eSign = (sub, act) =>
      issueESignature(
        { sub, printedName: 'Cluster Tester', time: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(), lab: LAB, ...act },
        { privateKey: key.privateKey, kid: key.kid, issuer: 'tamga-portal' },
      );
    const agency = await call(system.services.intake.url, '/v1/agencies', {
      method: 'POST',
      roles: ['technician'],
      json: { agencyId: 'cluster-police', name: 'Cluster Police', kind: 'police' },
    });
    expect([201, 409]).toContain(agency.status);
  }, 300_000);

  afterAll(async () => {
    for (const nc of admins) await nc.close().catch(() => undefined);
    await system?.stop();
  }, 60_000);

  it('runs three NATS nodes and keeps every stream on three replicas', async () => {
    const s = running();
    expect(s.natsNodes).toHaveLength(3);
    expect(s.streamReplicas).toBe(3);
    const jsm = await jetstreamManager(await admin());
    for (const stream of STREAMS) {
      const info = await until(`${stream} with two current followers`, 20_000, async () => {
        const i = await jsm.streams.info(stream);
        return i.cluster?.replicas?.length === 2 && i.cluster.replicas.every((r) => r.current) ? i : undefined;
      });
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.leader).toMatch(/^tamga-nats-[123]$/);
    }
    console.log(`[cluster] 3 NATS nodes + 7 service instances ready in ${(startMs / 1000).toFixed(1)} s`);
  });

  it('runs two live instances of intake, analysis and reporting and says where each listens', async () => {
    const s = running();
    for (const name of ['intake', 'analysis', 'reporting'] as ServiceName[]) {
      const list = s.instances[name];
      expect(list).toHaveLength(2);
      expect(new Set(list.map((i) => i.pid)).size).toBe(2);
      for (const instance of list) {
        expect((await fetch(`${instance.url}/ready`)).status).toBe(200);
        expect(printed.join('\n')).toContain(instance.url);
      }
    }
    expect(s.instances.portal).toHaveLength(1);
    for (const node of s.natsNodes) expect(printed.join('\n')).toContain(node.url);
  });

  it('has both instances of a service pulling from its one durable consumer', async () => {
    const jsm = await jetstreamManager(await admin());
    for (const [stream, durable] of [
      ['INTAKE', 'analysis-requests'],
      ['INTAKE', 'reporting-intake'],
      ['ANALYSIS', 'reporting-analysis'],
    ] as const) {
      // Each instance keeps a pull request waiting on the server.
      const waiting = await until(`two pull requests on ${durable}`, 20_000, async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.num_waiting >= 2 ? info.num_waiting : undefined;
      });
      expect(waiting).toBeGreaterThanOrEqual(2);
    }
  });

  it('takes an item through either intake instance to the shared analysis work queue', async () => {
    const s = running();
    const [first, second] = s.instances.intake;
    if (first === undefined || second === undefined) throw new Error('two intake instances');
    const viaFirst = await registerItem(first.url, 'A');
    const viaSecond = await registerItem(second.url, 'B');
    expect(viaSecond).not.toBe(viaFirst);
    for (const analysis of s.instances.analysis) {
      const queued = await until('both work items', 30_000, async () => {
        const labNos = await queuedLabNos(analysis.url);
        return labNos.includes(viaFirst) && labNos.includes(viaSecond) ? labNos : undefined;
      });
      expect(queued).toEqual(expect.arrayContaining([viaFirst, viaSecond]));
    }
    // Reporting read every intake event and acked it with its own user's rights: nothing is left.
    const jsm = await jetstreamManager(await admin());
    const settled = await until('reporting to settle its intake consumer', 30_000, async () => {
      const info = await jsm.consumers.info('INTAKE', 'reporting-intake');
      return info.num_pending === 0 && info.num_ack_pending === 0 ? info : undefined;
    });
    expect(settled.delivered.stream_seq).toBeGreaterThanOrEqual(4);
  });

  it('keeps publishing and consuming when the INTAKE stream leader is killed', async () => {
    const s = running();
    const jsm = await jetstreamManager(await admin());
    const before = await jsm.streams.info('INTAKE');
    const leader = before.cluster?.leader ?? '';
    const index = s.natsNodes.findIndex((n) => `tamga-${n.name}` === leader);
    expect(index).toBeGreaterThanOrEqual(0);

    const killedAt = Date.now();
    await s.stopNatsNode(index, 'SIGKILL');
    const survivors = s.natsNodes.filter((_, i) => i !== index).map((n) => n.url).join(',');
    const labNo = await registerItem(s.services.intake.url, 'K');
    // Right after the kill the JetStream meta leader may be re-electing: skip the API check on
    // connect and let the probes below retry.
    const survivorJsm = await jetstreamManager(await admin(survivors), { checkAPI: false });
    const after = await until('the event on the INTAKE stream after the leader died', 60_000, async () => {
      const info = await survivorJsm.streams.info('INTAKE');
      return info.state.last_seq > before.state.last_seq && info.cluster?.leader !== undefined && info.cluster.leader !== leader ? info : undefined;
    });
    const publishedMs = Date.now() - killedAt;
    await until('the work item after the leader died', 60_000, async () => ((await queuedLabNos(s.services.analysis.url)).includes(labNo) ? true : undefined));
    const consumedMs = Date.now() - killedAt;
    expect(after.cluster?.leader).not.toBe(leader);
    console.log(
      `[cluster] killed ${leader} (INTAKE leader); new leader ${after.cluster?.leader ?? '?'}; the next item was on the stream after ${publishedMs} ms and in the analysis queue after ${consumedMs} ms`,
    );

    // The node comes back on its own store and catches up.
    await s.startNatsNode(index);
    const healed = await until('three current replicas again', 60_000, async () => {
      const info = await survivorJsm.streams.info('INTAKE');
      return info.cluster?.replicas?.length === 2 && info.cluster.replicas.every((r) => r.current) ? info : undefined;
    });
    expect(healed.state.last_seq).toBe(after.state.last_seq);
  }, 180_000);
});
