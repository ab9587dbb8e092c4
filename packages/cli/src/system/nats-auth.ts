// NATS users, one per service, each allowed to publish only its own context's events and to
// consume only through its own durable consumers. A forged `intake.item.received` from the
// analysis service is refused by the server before it reaches a stream.
//
// Pull consumers never subscribe to the event subjects: messages arrive on the client's inbox in
// answer to `$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>`. So "subscribe only to what it
// consumes" is enforced on the JetStream API subjects of its own durables (create, info, next,
// ack), and the only plain subscription a service needs is its reply inbox.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** A durable pull consumer a service owns. Kept equal to what the service's code starts. */
export interface ConsumerGrant {
  stream: string;
  durable: string;
  filterSubject: string;
}

export interface NatsGrant {
  /** The context whose events it publishes (`intake` -> `intake.>`), or none. */
  publishes: string | undefined;
  consumes: readonly ConsumerGrant[];
}

/** The streams every service may create and bring to its configuration (`ensureStreams`). */
export const MANAGED_STREAMS = ['INTAKE', 'ANALYSIS', 'REPORTING', 'DEADLETTER'] as const;
const DEADLETTER = 'DEADLETTER';

/**
 * Who may do what on NATS. The portal is absent on purpose: it talks HTTP only and gets no NATS
 * user at all. `admin` is for operators and tools (dead-letter replay, outbox replay, tests).
 */
export const NATS_GRANTS = {
  intake: { publishes: 'intake', consumes: [] },
  analysis: {
    publishes: 'analysis',
    consumes: [{ stream: 'INTAKE', durable: 'analysis-requests', filterSubject: 'intake.analysis.requested' }],
  },
  reporting: {
    publishes: 'reporting',
    consumes: [
      { stream: 'INTAKE', durable: 'reporting-intake', filterSubject: 'intake.>' },
      { stream: 'ANALYSIS', durable: 'reporting-analysis', filterSubject: 'analysis.>' },
    ],
  },
} as const satisfies Record<string, NatsGrant>;

export type NatsServiceUser = keyof typeof NATS_GRANTS;
export const NATS_SERVICE_USERS = Object.keys(NATS_GRANTS) as NatsServiceUser[];
export const NATS_ADMIN_USER = 'admin';

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/** The subjects a grant allows, as nats-server permissions (allow lists; all else is denied). */
export function natsPermissions(grant: NatsGrant): NatsPermissions {
  const publish: string[] = [];
  if (grant.publishes !== undefined) publish.push(`${grant.publishes}.>`);
  // Account info (the client's API check) and the streams' setup, which every service runs at start.
  publish.push('$JS.API.INFO');
  for (const stream of MANAGED_STREAMS) {
    publish.push(`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`, `$JS.API.STREAM.UPDATE.${stream}`);
  }
  for (const { stream, durable, filterSubject } of grant.consumes) {
    publish.push(
      `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
      // Create and update; the filter is part of the subject, so the consumer cannot widen it.
      `$JS.API.CONSUMER.CREATE.${stream}.${durable}.${filterSubject}`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
      // Acks, naks and "working" go to the message's reply subject, which names stream and consumer.
      `$JS.ACK.${stream}.${durable}.>`,
      `deadletter.${durable}`,
    );
  }
  if (grant.consumes.length > 0) {
    // The admin's dead-letter desk: read a letter and take it off the list after its replay,
    // which runs in the service itself (nothing is re-published to another context's subject).
    publish.push(`$JS.API.STREAM.MSG.GET.${DEADLETTER}`, `$JS.API.STREAM.MSG.DELETE.${DEADLETTER}`);
  }
  return { publish, subscribe: ['_INBOX.>'] };
}

const Credentials = z.record(z.string().min(1), z.string().min(16));
export type NatsCredentials = Readonly<Record<NatsServiceUser | typeof NATS_ADMIN_USER, string>>;

export const NATS_CREDENTIALS_FILE = 'nats-users.json';

/**
 * The users' passwords from `<keysDir>/nats-users.json`, created with random passwords on first
 * use (file mode 0600, folder 0700). Kept across restarts so running clients stay valid.
 */
export function loadOrCreateNatsCredentials(keysDir: string): NatsCredentials {
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const file = join(keysDir, NATS_CREDENTIALS_FILE);
  const existing = existsSync(file) ? Credentials.parse(JSON.parse(readFileSync(file, 'utf8'))) : {};
  const users = [...NATS_SERVICE_USERS, NATS_ADMIN_USER];
  const out: Record<string, string> = {};
  let changed = false;
  for (const user of users) {
    const known = existing[user];
    if (known === undefined) changed = true;
    out[user] = known ?? randomBytes(24).toString('base64url');
  }
  if (changed) writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return out as NatsCredentials;
}

export interface NatsNodeConfig {
  serverName: string;
  host: string;
  port: number;
  storeDir: string;
  credentials: NatsCredentials;
  /** Monitoring endpoint (`/healthz`, `/jsz`); off when absent. */
  httpPort?: number;
  cluster?: { name: string; port: number; routes: readonly string[] };
  /**
   * fsync every JetStream write before acknowledging it. nats-server 2.9 (Debian's) refuses the
   * option, so it is off here by default and on in the deployment manifests (NATS 2.11).
   */
  syncAlways?: boolean;
}

/** A nats-server configuration file: JetStream, one user per service, optional cluster routes. */
export function renderNatsConfig(config: NatsNodeConfig): string {
  const q = (s: string): string => JSON.stringify(s);
  const list = (items: readonly string[], indent: string): string => `[\n${items.map((i) => `${indent}  ${q(i)}`).join(',\n')}\n${indent}]`;
  const users = NATS_SERVICE_USERS.map((user) => {
    const p = natsPermissions(NATS_GRANTS[user]);
    return [
      `    {`,
      `      user: ${q(user)}`,
      `      password: ${q(config.credentials[user])}`,
      `      permissions: {`,
      `        publish: { allow: ${list(p.publish, '        ')} }`,
      `        subscribe: { allow: ${list(p.subscribe, '        ')} }`,
      `      }`,
      `    }`,
    ].join('\n');
  });
  users.push(`    { user: ${q(NATS_ADMIN_USER)}, password: ${q(config.credentials[NATS_ADMIN_USER])} }`);
  const lines = [
    '# Written by `tamga start`; holds passwords: keep it private (mode 0600), never commit it.',
    `server_name: ${q(config.serverName)}`,
    `listen: ${q(`${config.host}:${config.port}`)}`,
    ...(config.httpPort === undefined ? [] : [`http: ${q(`${config.host}:${config.httpPort}`)}`]),
    'jetstream {',
    `  store_dir: ${q(config.storeDir)}`,
    ...(config.syncAlways === true ? ['  sync_interval: always'] : []),
    '}',
  ];
  if (config.cluster !== undefined) {
    lines.push(
      'cluster {',
      `  name: ${q(config.cluster.name)}`,
      `  listen: ${q(`${config.host}:${config.cluster.port}`)}`,
      `  routes: ${list(config.cluster.routes, '  ')}`,
      '}',
    );
  }
  lines.push('authorization {', '  users = [', users.join('\n'), '  ]', '}', '');
  return lines.join('\n');
}

/** Writes the configuration privately (0600) and returns its path. */
export function writeNatsConfig(file: string, config: NatsNodeConfig): string {
  writeFileSync(file, renderNatsConfig(config), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
