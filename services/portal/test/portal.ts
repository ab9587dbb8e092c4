// Test wiring: a portal on the memory store with a movable clock, seeded with the demo users.
import { createLogger, generateSigningKeyPair } from '@tamga/service-kit';
import type { ServiceApp, SigningKeyPair } from '@tamga/service-kit';
import { createMemoryStore } from '@tamga/store';
import type { DocumentStore } from '@tamga/store';
import { buildPortalApp, seedFirstUsers } from '../src/index.ts';
import type { PortalDeps, SeededUser } from '../src/index.ts';

// Cheaper than production (2^15) so lockout tests stay quick; the code path is the same.
export const TEST_SCRYPT = { log2N: 12, r: 8, p: 1 };

export interface TestPortal {
  app: ServiceApp;
  store: DocumentStore;
  keys: SigningKeyPair;
  users: Record<string, SeededUser>;
  clock: { now: Date; advance(ms: number): void };
  signIn(username: string, password?: string): Promise<{ token: string; cookie: string }>;
  close(): Promise<void>;
}

export async function startTestPortal(overrides: Partial<PortalDeps> = {}): Promise<TestPortal> {
  const store = createMemoryStore({ quiet: true });
  const keys = await generateSigningKeyPair();
  const clock = {
    now: new Date(),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const seeded = await seedFirstUsers({ store, scrypt: TEST_SCRYPT, now: clock.now, demo: true });
  const users = Object.fromEntries(seeded.map((u) => [u.username, u]));
  const app = await buildPortalApp({
    store,
    keys,
    lab: 'TMG',
    scrypt: TEST_SCRYPT,
    logger: createLogger({ name: 'portal', level: 'silent' }),
    now: () => clock.now,
    ...overrides,
  });
  async function signIn(username: string, password?: string) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { username, password: password ?? users[username]?.password ?? '' },
    });
    if (res.statusCode !== 201) throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.body}`);
    const cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
    return { token: res.json<{ accessToken: string }>().accessToken, cookie };
  }
  return {
    app,
    store,
    keys,
    users,
    clock,
    signIn,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
