// Sign-in sessions behind the refresh cookie. The cookie holds 32 random bytes; the store
// keeps only their SHA-256, so a copy of the database cannot be replayed as a cookie.
import { createHash, randomBytes } from 'node:crypto';
import type { DocumentStore, Stored } from '@tamga/store';
import { portalErrors } from '../domain/errors.ts';
import { sessionsCollection } from '../store/collections.ts';
import type { SessionRecord } from '../store/collections.ts';

export const SESSION_COOKIE = 'tamga_session';

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function createSessionRepository(store: DocumentStore, ttlSeconds: number) {
  const sessions = store.collection(sessionsCollection);
  return {
    ttlSeconds,
    /** Opens a session lasting `ttlSeconds`, or until `until` (a rotated session keeps its end). */
    async open(userId: string, now: Date, until?: string): Promise<{ secret: string; expiresAt: string }> {
      const secret = randomBytes(32).toString('base64url');
      const expiresAt = until ?? new Date(now.getTime() + ttlSeconds * 1000).toISOString();
      await sessions.insert({ _id: digest(secret), userId, createdAt: now.toISOString(), expiresAt });
      return { secret, expiresAt };
    },
    /** The live session the cookie names; throws PORTAL_ERR_NO_SESSION otherwise. */
    async find(secret: string | undefined, now: Date): Promise<Stored<SessionRecord>> {
      const session = secret === undefined || secret === '' ? undefined : await sessions.get(digest(secret));
      if (session === undefined || session.revokedAt !== undefined || Date.parse(session.expiresAt) <= now.getTime()) {
        throw portalErrors.PORTAL_ERR_NO_SESSION();
      }
      return session;
    },
    async revoke(session: Stored<SessionRecord>, now: Date): Promise<void> {
      const { _id, _v, ...rest } = session;
      await sessions.update(_id, _v, { ...rest, revokedAt: now.toISOString() });
    },
    /** Ends every live session of a user except `keep` (password change, disable, reset). */
    async revokeAll(userId: string, now: Date, keep?: string): Promise<void> {
      const live = await sessions.find({ userId, revokedAt: { $exists: false } });
      for (const s of live) {
        if (s._id === keep) continue;
        const { _id, _v, ...rest } = s;
        await sessions.update(_id, _v, { ...rest, revokedAt: now.toISOString() });
      }
    },
    idOf: digest,
  };
}
export type SessionRepository = ReturnType<typeof createSessionRepository>;

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 clears the cookie. */
  maxAge: number;
}

/** The refresh cookie: httpOnly, same-site strict, sent only to the session routes. */
export function sessionCookie(value: string, options: CookieOptions): string {
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/v1/sessions',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${options.maxAge}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
