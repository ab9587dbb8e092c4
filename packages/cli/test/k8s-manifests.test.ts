// The Kubernetes manifests in infra/k8s: valid YAML, the shape the deployment promises (NATS R3
// with fsync on every write, a MongoDB replica set, two replicas of each service with probes and
// graceful shutdown), the same NATS permissions as `tamga start`, and no secret values.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { findNatsServer, tempDir } from '@tamga/testkit';
import { NATS_GRANTS, NATS_SERVICE_USERS, natsPermissions } from '../src/system/nats-auth.ts';

const k8sDir = fileURLToPath(new URL('../../../infra/k8s/', import.meta.url));
const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml'));

interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: unknown };
}
interface PodTemplate {
  spec: { terminationGracePeriodSeconds?: number; containers: Container[]; initContainers?: Container[] };
}

function load(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'));
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  }
  return docs.map((d) => d.toJS() as Manifest).filter((m) => m !== null);
}
const manifests = files.filter((f) => f !== 'kustomization.yaml').flatMap((f) => load(f).map((m) => ({ file: f, m })));
const find = (kind: string, name: string): Manifest => {
  const found = manifests.find(({ m }) => m.kind === kind && m.metadata?.name === name)?.m;
  if (found === undefined) throw new Error(`no ${kind} ${name} in infra/k8s`);
  return found;
};
const template = (m: Manifest): PodTemplate => (m.spec as { template: PodTemplate }).template;
const natsConf = (): string => find('ConfigMap', 'nats-config').data?.['nats.conf'] ?? '';

describe('infra/k8s manifests', () => {
  it('are valid YAML, each document a named Kubernetes object', () => {
    expect(files.length).toBeGreaterThan(5);
    for (const { file, m } of manifests) {
      expect(m.apiVersion, file).toBeTypeOf('string');
      expect(m.kind, file).toBeTypeOf('string');
      expect(m.metadata?.name, file).toBeTypeOf('string');
    }
  });

  it('are all listed in the kustomization, which names an image for every service', () => {
    const [kustomization] = load('kustomization.yaml') as { resources: string[]; images: { name: string }[] }[];
    expect(new Set(kustomization?.resources)).toEqual(new Set(files.filter((f) => f !== 'kustomization.yaml')));
    expect(kustomization?.images.map((i) => i.name).sort()).toEqual(['tamga-analysis', 'tamga-intake', 'tamga-portal', 'tamga-reporting']);
  });

  it('commit no secret values: every secret is referenced by name only', () => {
    expect(manifests.filter(({ m }) => m.kind === 'Secret')).toEqual([]);
    const readme = readFileSync(join(k8sDir, 'README.md'), 'utf8');
    const referenced = new Set(
      JSON.stringify(manifests.map(({ m }) => m))
        .match(/"(?:secretName|name)":"(tamga-[a-z-]+)"/g)
        ?.map((s) => s.split(':')[1]?.replaceAll('"', '') ?? '')
        .filter((n) => /^tamga-(nats-users|mongo|custody-key|lab-pki|token-key)$/.test(n)),
    );
    expect(referenced.size).toBe(5);
    for (const name of referenced) expect(readme, `README explains how to create ${name}`).toContain(`kubectl -n tamga create secret generic ${name}`);
  });

  it('run NATS as three JetStream nodes that fsync every write before acknowledging it', () => {
    const sts = find('StatefulSet', 'nats');
    expect(sts.spec?.replicas).toBe(3);
    const conf = natsConf();
    expect(conf).toMatch(/^\s*sync_interval: always$/m);
    expect(conf).toMatch(/jetstream \{/);
    expect(conf.match(/nats-route:\/\//g)).toHaveLength(3);
    expect(find('ConfigMap', 'tamga-config').data?.NATS_STREAM_REPLICAS).toBe('3');
  });

  it('give each NATS user exactly the permissions `tamga start` gives it', () => {
    const conf = natsConf();
    for (const user of NATS_SERVICE_USERS) {
      const block = new RegExp(`user: "${user}"[\\s\\S]*?publish: \\{ allow: \\[([\\s\\S]*?)\\] \\}[\\s\\S]*?subscribe: \\{ allow: \\[([\\s\\S]*?)\\] \\}`).exec(conf);
      const quoted = (s: string | undefined): string[] => [...(s ?? '').matchAll(/"([^"]+)"/g)].map((x) => x[1] ?? '');
      const expected = natsPermissions(NATS_GRANTS[user]);
      expect(quoted(block?.[1]), user).toEqual(expected.publish);
      expect(quoted(block?.[2]), user).toEqual(expected.subscribe);
    }
    expect(conf).not.toMatch(/user: "portal"/);
  });

  it('run a three-member MongoDB replica set with a job that initiates it', () => {
    const sts = find('StatefulSet', 'mongo');
    expect(sts.spec?.replicas).toBe(3);
    expect(template(sts).spec.containers[0]?.image).toMatch(/^mongo:/);
    expect(JSON.stringify(template(sts).spec.containers[0])).toContain('"--replSet","rs0"');
    expect(find('Job', 'mongo-init-replica-set').kind).toBe('Job');
    expect(find('ConfigMap', 'mongo-init').data?.['init-replica-set.js']).toContain("rs.initiate({ _id: 'rs0'");
  });

  it('run every service twice, ready on /ready, alive on /health, with time to shut down gracefully', () => {
    for (const name of ['intake', 'analysis', 'reporting', 'portal']) {
      const deployment = find('Deployment', name);
      expect(deployment.spec?.replicas, name).toBe(2);
      const pod = template(deployment).spec;
      expect(pod.terminationGracePeriodSeconds, name).toBeGreaterThanOrEqual(30);
      const container = pod.containers.find((c) => c.name === name);
      expect(container?.image).toBe(`tamga-${name}`);
      expect(container?.readinessProbe?.httpGet?.path, name).toBe('/ready');
      expect(container?.livenessProbe?.httpGet?.path, name).toBe('/health');
      expect(container?.lifecycle?.preStop, name).toBeDefined();
      expect(find('Service', name).kind).toBe('Service');
      expect(find('PodDisruptionBudget', name).kind).toBe('PodDisruptionBudget');

      const env = new Map((container?.env ?? []).map((e) => [e.name, e]));
      if (name === 'portal') {
        expect(env.has('NATS_USER'), 'the portal has no NATS user').toBe(false);
      } else {
        expect(env.get('NATS_USER')?.value).toBe(name);
        expect(env.get('NATS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'tamga-nats-users', key: name });
      }
      expect(env.get('MONGO_URL')?.valueFrom?.secretKeyRef?.name).toBe('tamga-mongo');
    }
  });
});

const natsServer = findNatsServer();
if (natsServer === undefined) console.warn('k8s manifests: nats-server is not installed; the NATS configuration is not checked by the server');

describe.skipIf(natsServer === undefined)('the NATS configuration of the manifests', () => {
  it('is accepted by nats-server', () => {
    // Debian's nats-server 2.9 predates `sync_interval` (the manifests run 2.11); everything else is checked.
    const dir = tempDir('tamga-k8s-nats');
    const conf = natsConf()
      .replace(/^\s*sync_interval: always\n/m, '')
      .replace('/data/jetstream', join(dir, 'jetstream'));
    expect(conf).not.toContain('sync_interval');
    const file = join(dir, 'nats.conf');
    writeFileSync(file, conf);
    const env = { ...process.env, POD_NAME: 'nats-0', INTAKE_PASSWORD: 'x'.repeat(24), ANALYSIS_PASSWORD: 'y'.repeat(24), REPORTING_PASSWORD: 'z'.repeat(24), ADMIN_PASSWORD: 'w'.repeat(24) };
    const result = spawnSync(natsServer ?? 'nats-server', ['-t', '-c', file], { env, encoding: 'utf8' });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});
