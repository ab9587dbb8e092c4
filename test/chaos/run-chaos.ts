// One chaos run: the production shape (three NATS nodes, streams with three replicas, two
// instances of each service), a load generator driving items through the lab over HTTP (the
// demo flow: receipt with e-signature, analysis request, spectrum upload and library search,
// findings, e-signed approval, report), and the chaos driver killing processes meanwhile.
// At the end the stores are audited and the figures printed.
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSystem, type RunningSystem } from '../../packages/cli/src/system/start-system.ts';
import { demoCredentials } from '../../packages/cli/src/demo/tokens.ts';
import { runItemThroughLab, type FlowProgress } from '../../packages/cli/src/demo/flow.ts';
import { connectNats, jetstreamManager } from '../../packages/messaging/src/index.ts';
import { tempDir } from '../../packages/testkit/src/index.ts';
import { startBalancer, type Balancer } from './balancer.ts';
import { auditEndState, type AuditFigures } from './audit.ts';
import { countByKind, planFaults, startChaos, type FaultKind, type InjectedFault } from './faults.ts';

export interface ChaosOptions {
  items: number;
  seed: number;
  /** Faults to inject at most; the driver also stops when every item is done. */
  faults: number;
  /** Items flowing at most at once. */
  concurrency: number;
  /**
   * Items arrive one every `paceMs` (as exhibits reach a lab over the day), so the load spans
   * the faults instead of finishing before the first one. Default 0: all at once.
   */
  paceMs?: number;
  /** Longest pause between faults and longest time a process stays down. */
  maxGapMs: number;
  maxDownMs: number;
  /** Also lose the whole broker now and then (every node's JetStream store deleted). */
  brokerLoss?: boolean;
  /** Stop injecting after this long (the items still finish). */
  maxChaosMs?: number;
  mongoUrl?: string;
  log?: (line: string) => void;
  /** Keep the data folder (for a post-mortem). */
  keep?: boolean;
}

export interface ChaosFigures {
  seed: number;
  backend: 'sqlite' | 'mongo';
  items: number;
  itemsDone: number;
  /** Items whose HTTP flow failed (the answer names the step). */
  flowFailures: { labNo: string | undefined; error: string }[];
  faults: Record<FaultKind, number>;
  faultsTotal: number;
  lost: number;
  duplicated: number;
  /** From the last fault injected to the last item's report, in ms; 0 when no fault hit a running item. */
  recoveryMs: number;
  /** From the last process being back to the last item's report. */
  recoveryAfterHealMs: number;
  /**
   * The worst fault: from its moment until every item that was in flight then had its report,
   * in ms, with the fault's kind.
   */
  worstRecovery: { ms: number; kind: FaultKind | undefined };
  wallMs: number;
  /** Each reported item's time from arrival to its report, in ms, in the order they finished. */
  itemMs: number[];
  audit: AuditFigures;
  injected: InjectedFault[];
}

const LAB = 'CHS';

async function portsFree(base: number, count: number): Promise<boolean> {
  for (let i = 0; i < count; i += 1) {
    const ok = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(base + i, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}

/** Three runs of free ports that do not overlap: NATS clients, NATS routes, services (+10 for second instances). */
export async function freePorts(): Promise<{ natsPort: number; clusterPort: number; basePort: number }> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 35_000);
    if (await portsFree(base, 30)) return { natsPort: base, clusterPort: base + 5, basePort: base + 10 };
  }
  throw new Error('no 30 consecutive free ports on loopback');
}

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = tempDir('tamga-chaos');
  const ports = await freePorts();
  const startedAt = Date.now();
  log(`[chaos] seed ${options.seed}; ${options.items} items, one every ${((options.paceMs ?? 0) / 1000).toFixed(1)} s, at most ${options.concurrency} at a time; up to ${options.faults} faults; backend ${options.mongoUrl ? 'mongo' : 'sqlite'}; data ${dataDir}`);
  const system: RunningSystem = await startSystem({
    dataDir,
    cluster: true,
    ...ports,
    labCode: LAB,
    ...(options.mongoUrl === undefined ? {} : { mongoUrl: options.mongoUrl }),
    // No web UI build and cheap seed password hashing: the portal is not under test here.
    env: { WEB_BUILD: 'false', SCRYPT_LOG2N: '14', LOG_LEVEL: 'warn' },
    log: () => undefined,
  });
  log(`[chaos] cluster up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${system.natsNodes.length} NATS nodes, ${Object.values(system.instances).flat().length} service instances`);
  const balancers = {} as Record<'intake' | 'analysis' | 'reporting', Balancer>;
  try {
    for (const service of ['intake', 'analysis', 'reporting'] as const) {
      balancers[service] = await startBalancer(system.instances[service].map((i) => i.url));
    }
    const urls = { intake: balancers.intake.url, analysis: balancers.analysis.url, reporting: balancers.reporting.url };
    const credentials = await demoCredentials({ keysDir: join(dataDir, 'keys'), lab: LAB });
    // One agency per run, so a MongoDB shared by several runs still tells this run's items apart.
    const agencyId = `chaos-${options.seed}-${Date.now().toString(36)}`;

    // ---- load and chaos together
    const plan = planFaults({ seed: options.seed, count: options.faults, maxGapMs: options.maxGapMs, maxDownMs: options.maxDownMs, natsNodes: system.natsNodes.length, brokerLoss: options.brokerLoss ?? false });
    const loadStartedAt = Date.now();
    const chaos = startChaos({ system, plan, balancers, log });
    const chaosTimer = options.maxChaosMs === undefined ? undefined : setTimeout(() => chaos.stop(), options.maxChaosMs);

    const labNos: string[] = [];
    const flowFailures: ChaosFigures['flowFailures'] = [];
    let lastDoneAt = loadStartedAt;
    let itemsDone = 0;
    const itemMs: number[] = [];
    const spans: { startedAt: number; doneAt: number }[] = [];
    let slowest: { ms: number; labNo: string | undefined; steps: string[] } = { ms: 0, labNo: undefined, steps: [] };
    let nextItem = 0;
    const worker = async (): Promise<void> => {
      while (nextItem < options.items) {
        const index = nextItem;
        nextItem += 1;
        const arrival = loadStartedAt + index * (options.paceMs ?? 0) - Date.now();
        if (arrival > 0) await sleep(arrival);
        const progress: FlowProgress = {};
        const itemStartedAt = Date.now();
        const steps: string[] = [];
        let stepAt = itemStartedAt;
        try {
          await runItemThroughLab({
            urls,
            tokens: credentials.token,
            eSign: credentials.eSign,
            agencyId,
            timeoutMs: 300_000,
            onStep: (step, p) => {
              steps.push(`${step} +${seconds(Date.now() - stepAt)}s`);
              stepAt = Date.now();
              if (step === 'item-received' && p.labNo !== undefined) {
                progress.labNo = p.labNo;
                labNos.push(p.labNo);
              }
            },
          });
          itemsDone += 1;
          lastDoneAt = Date.now();
          itemMs.push(lastDoneAt - itemStartedAt);
          spans.push({ startedAt: itemStartedAt, doneAt: lastDoneAt });
          if (lastDoneAt - itemStartedAt > slowest.ms) slowest = { ms: lastDoneAt - itemStartedAt, labNo: progress.labNo, steps };
        } catch (err) {
          flowFailures.push({ labNo: progress.labNo, error: err instanceof Error ? err.message : String(err) });
          log(`[chaos] item ${progress.labNo ?? '(not registered)'} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
    const loadEndedAt = Date.now();
    chaos.stop();
    if (chaosTimer !== undefined) clearTimeout(chaosTimer);
    const injected = await chaos.done;
    log(`[chaos] slowest item ${slowest.labNo ?? '-'} (${seconds(slowest.ms)} s): ${slowest.steps.join(', ')}`);
    log(`[chaos] load done: ${itemsDone}/${options.items} items in ${((loadEndedAt - loadStartedAt) / 1000).toFixed(1)} s; ${injected.length} faults injected`);

    // ---- proofs from intake while it runs, then the stores with the system stopped
    const bundles = new Map<string, unknown>();
    for (const labNo of labNos) {
      const res = await fetch(`${urls.intake}/v1/items/${encodeURIComponent(labNo)}/custody`, {
        headers: { authorization: `Bearer ${await credentials.token('technician')}` },
      });
      if (res.status === 200) bundles.set(labNo, ((await res.json()) as { bundle: unknown }).bundle);
    }
    const redelivered = await consumerRedeliveries(system);
    log(`[chaos] messages redelivered by JetStream (no ack in time: a consumer died holding them): ${Object.entries(redelivered).map(([d, n]) => `${d} ${n}`).join(', ')}`);
    const custodyPublicKey = readFileSync(join(dataDir, 'keys', 'custody-signing.pub.pem'), 'utf8');
    await system.stop();
    const audit = await auditEndState({
      where: { backend: system.backend, dataDir, ...(options.mongoUrl === undefined ? {} : { mongoUrl: options.mongoUrl }) },
      agencyId,
      labNos,
      bundles,
      custodyPublicKey,
    });

    const lastFault = injected.at(-1);
    const worstRecovery: ChaosFigures['worstRecovery'] = { ms: 0, kind: undefined };
    for (const fault of injected) {
      const hit = spans.filter((s) => s.startedAt <= fault.at && s.doneAt > fault.at);
      const ms = Math.max(0, ...hit.map((s) => s.doneAt - fault.at));
      if (ms > worstRecovery.ms) Object.assign(worstRecovery, { ms, kind: fault.kind });
    }
    const figures: ChaosFigures = {
      seed: options.seed,
      backend: system.backend,
      items: options.items,
      itemsDone,
      flowFailures,
      faults: countByKind(injected),
      faultsTotal: injected.length,
      lost: audit.lost,
      duplicated: audit.duplicated,
      recoveryMs: lastFault === undefined ? 0 : Math.max(0, lastDoneAt - lastFault.at),
      recoveryAfterHealMs: lastFault === undefined ? 0 : Math.max(0, lastDoneAt - lastFault.healedAt),
      worstRecovery,
      wallMs: Date.now() - startedAt,
      itemMs,
      audit,
      injected,
    };
    for (const line of describeFigures(figures)) log(line);
    return figures;
  } finally {
    await Promise.all(Object.values(balancers).map((b) => b.close()));
    await system.stop();
    if (options.keep !== true) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Per durable consumer, how many messages JetStream had to deliver more than once. */
async function consumerRedeliveries(system: RunningSystem): Promise<Record<string, number>> {
  const nc = await connectNats({ servers: system.natsUrl, name: 'chaos-audit', user: system.natsAdmin.user, pass: system.natsAdmin.pass });
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const out: Record<string, number> = {};
    for (const [stream, durable] of [
      ['INTAKE', 'analysis-requests'],
      ['INTAKE', 'reporting-intake'],
      ['ANALYSIS', 'reporting-analysis'],
    ] as const) {
      out[durable] = (await jsm.consumers.info(stream, durable)).num_redelivered;
    }
    return out;
  } finally {
    await nc.close();
  }
}

export function describeFigures(f: ChaosFigures): string[] {
  const kinds = Object.entries(f.faults)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const lines = [
    `[chaos] ---- figures (seed ${f.seed}, ${f.backend}) ----`,
    `[chaos] items            ${f.items} (${f.itemsDone} reported; ${f.flowFailures.length} flows failed)`,
    `[chaos] faults injected  ${f.faultsTotal} (${kinds})`,
    `[chaos] lost             ${f.lost}`,
    `[chaos] duplicated       ${f.duplicated}`,
    `[chaos] time to recover  ${(f.recoveryMs / 1000).toFixed(1)} s from the last fault to all items done (${(f.recoveryAfterHealMs / 1000).toFixed(1)} s after it healed)`,
    `[chaos] worst fault      ${seconds(f.worstRecovery.ms)} s until the items in flight at it were reported (${f.worstRecovery.kind ?? 'none'})`,
    `[chaos] item to report   p50 ${seconds(quantile(f.itemMs, 0.5))} s, p90 ${seconds(quantile(f.itemMs, 0.9))} s, max ${seconds(quantile(f.itemMs, 1))} s`,
    `[chaos] wall time        ${(f.wallMs / 1000).toFixed(1)} s`,
  ];
  for (const v of f.audit.verdicts) if (v.problems.length > 0) lines.push(`[chaos]   ${v.labNo}: ${v.problems.join('; ')}`);
  return lines;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
