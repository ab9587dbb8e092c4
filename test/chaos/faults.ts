// The chaos driver: at seeded random moments it SIGKILLs one service instance or one NATS node
// and starts it again after a seeded random pause. At most one process is down at a time, so
// every service keeps one instance and the NATS cluster keeps its quorum of two. On request it
// also loses the whole broker: every NATS node stopped, its JetStream store deleted, started
// again empty (the outbox relays must replay).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningSystem } from '../../packages/cli/src/system/start-system.ts';
import type { Balancer } from './balancer.ts';

/** mulberry32: a small seeded generator, so a run can be repeated from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type FaultKind = 'kill-intake' | 'kill-analysis' | 'kill-reporting' | 'kill-nats' | 'wipe-broker';

export interface Fault {
  kind: FaultKind;
  /** 1-based service instance, or 0-based NATS node. */
  target: number;
  /** Pause before the fault, after the previous one has healed. */
  gapMs: number;
  /** How long the process stays down. */
  downMs: number;
}

export interface InjectedFault extends Fault {
  at: number;
  /** When the process was back (ready, or listening for NATS). */
  healedAt: number;
}

/**
 * A plan of `count` faults: the first four are one of each kind in a seeded order (so even a
 * short run hits every service and the broker), the rest drawn at random.
 */
export function planFaults(options: { seed: number; count: number; maxGapMs: number; maxDownMs: number; natsNodes: number; brokerLoss?: boolean }): Fault[] {
  const random = seededRandom(options.seed);
  const between = (lo: number, hi: number): number => Math.round(lo + random() * (hi - lo));
  const kinds: FaultKind[] = ['kill-intake', 'kill-analysis', 'kill-reporting', 'kill-nats', ...(options.brokerLoss === true ? (['wipe-broker'] as const) : [])];
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as FaultKind, kinds[i] as FaultKind];
  }
  const plan: Fault[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const kind = i < kinds.length ? (kinds[i] as FaultKind) : (kinds[Math.floor(random() * kinds.length)] as FaultKind);
    const target = kind === 'kill-nats' ? Math.floor(random() * options.natsNodes) : 1 + Math.floor(random() * 2);
    plan.push({ kind, target, gapMs: between(1_000, options.maxGapMs), downMs: between(500, options.maxDownMs) });
  }
  return plan;
}

export interface ChaosDriver {
  /** Resolves when the plan is done or `stop()` was called and the process down is back. */
  readonly done: Promise<InjectedFault[]>;
  stop(): void;
}

/** Runs `plan` against the system; the balancers take a service instance out before it is killed. */
export function startChaos(options: {
  system: RunningSystem;
  plan: readonly Fault[];
  balancers: Record<'intake' | 'analysis' | 'reporting', Balancer>;
  log: (line: string) => void;
}): ChaosDriver {
  const { system, balancers, log } = options;
  let stopped = false;
  let wake: (() => void) | undefined;
  const injected: InjectedFault[] = [];
  const t0 = Date.now();
  const stamp = (): string => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;

  const inject = async (fault: Fault): Promise<void> => {
    const at = Date.now();
    if (fault.kind === 'wipe-broker') {
      log(`[chaos ${stamp()}] broker loss: every NATS node stopped, its JetStream store deleted; back in ${fault.downMs} ms`);
      await Promise.all(system.natsNodes.map((_, i) => system.stopNatsNode(i, 'SIGKILL')));
      for (const node of system.natsNodes) rmSync(join(node.storeDir, 'jetstream'), { recursive: true, force: true });
      await sleep(fault.downMs);
      await Promise.all(system.natsNodes.map((_, i) => system.startNatsNode(i)));
    } else if (fault.kind === 'kill-nats') {
      const node = system.natsNodes[fault.target];
      log(`[chaos ${stamp()}] SIGKILL ${node?.name ?? `nats #${fault.target}`}; back in ${fault.downMs} ms`);
      await system.stopNatsNode(fault.target, 'SIGKILL');
      await sleep(fault.downMs);
      await system.startNatsNode(fault.target);
    } else {
      const service = fault.kind.slice('kill-'.length) as 'intake' | 'analysis' | 'reporting';
      const instance = system.instances[service][fault.target - 1];
      if (instance === undefined) throw new Error(`${service} has no instance ${fault.target}`);
      await balancers[service].drain(instance.url);
      log(`[chaos ${stamp()}] SIGKILL ${service}#${fault.target} (pid ${instance.pid}); back in ${fault.downMs} ms`);
      await system.stopInstance(service, fault.target, 'SIGKILL');
      await sleep(fault.downMs);
      await restart(service, fault.target);
      balancers[service].admit(instance.url);
    }
    const healedAt = Date.now();
    injected.push({ ...fault, at, healedAt });
    const what = fault.kind === 'wipe-broker' ? '' : fault.kind === 'kill-nats' ? ` node ${fault.target + 1}` : ` #${fault.target}`;
    log(`[chaos ${stamp()}] ${fault.kind}${what} healed after ${healedAt - at} ms`);
  };

  /**
   * Starts a killed instance again as a supervisor (systemd, Kubernetes) would: a start that
   * fails - e.g. while the NATS cluster is still electing leaders after a node kill - is logged
   * with the tail of the service's log and retried with a growing pause, up to five times.
   */
  const restart = async (service: 'intake' | 'analysis' | 'reporting', target: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await system.startInstance(service, target);
        return;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const logFile = /see (\S+\.log)/.exec(message)?.[1];
        const tail = logFile !== undefined && existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
        log(`[chaos ${stamp()}] ${service}#${target} did not start (attempt ${attempt}): ${message}${tail ? `\n${tail}` : ''}`);
        if (attempt >= 5) throw err;
        await sleep(1000 * attempt);
      }
    }
  };

  const run = async (): Promise<InjectedFault[]> => {
    for (const fault of options.plan) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, fault.gapMs);
      });
      if (stopped) break;
      await inject(fault);
      if (stopped) break;
    }
    return injected;
  };
  return {
    done: run(),
    stop() {
      stopped = true;
      wake?.();
    },
  };
}

export function countByKind(faults: readonly InjectedFault[]): Record<FaultKind, number> {
  const counts: Record<FaultKind, number> = { 'kill-intake': 0, 'kill-analysis': 0, 'kill-reporting': 0, 'kill-nats': 0, 'wipe-broker': 0 };
  for (const f of faults) counts[f.kind] += 1;
  return counts;
}
