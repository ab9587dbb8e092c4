// Administration of users and agencies (admin only), and the caller's own account: who am I,
// change my password.
import { randomUUID } from 'node:crypto';
import { ChangePasswordBody, CreateAgencyBody, CreateUserBody, UpdateUserBody, UserParams } from '@tamga/contracts';
import type { ServiceApp } from '@tamga/service-kit';
import type { DocumentStore } from '@tamga/store';
import { isDomainError } from '@tamga/contracts';
import { passwordPolicyErrors, userShapeErrors, userView } from '../domain/accounts.ts';
import type { UserRecord } from '../domain/accounts.ts';
import { portalErrors } from '../domain/errors.ts';
import { hashPassword, randomPassword } from '../domain/passwords.ts';
import { checkCredentials } from '../identity/credentials.ts';
import type { CredentialDeps } from '../identity/credentials.ts';
import { SESSION_COOKIE, readCookie } from '../identity/sessions.ts';
import type { SessionRepository } from '../identity/sessions.ts';
import { agenciesCollection } from '../store/collections.ts';
import { writeAudit } from '../store/users.ts';

export interface UserRouteDeps {
  store: DocumentStore;
  credentials: CredentialDeps;
  sessions: SessionRepository;
}

export function registerUserRoutes(app: ServiceApp, deps: UserRouteDeps): void {
  const { credentials, sessions, store } = deps;
  const { users } = credentials;
  const agencies = store.collection(agenciesCollection);

  async function assertAgencyExists(agencyId: string | undefined): Promise<void> {
    if (agencyId !== undefined && (await agencies.get(agencyId)) === undefined) {
      throw portalErrors.PORTAL_ERR_AGENCY_NOT_FOUND(`no agency ${agencyId}`, { errors: [{ field: 'body.agencyId', message: 'is not a known agency' }] });
    }
  }

  function assertShape(roles: UserRecord['roles'], agencyId: string | undefined): void {
    const errors = userShapeErrors(roles, agencyId);
    if (errors.length > 0) throw portalErrors.PORTAL_ERR_INVALID_USER(errors[0]?.message, { errors });
  }

  // ------------------------------------------------------------------ own account

  app.get('/v1/me', async (request) => {
    const user = await users.get(request.principal.sub);
    return { ...userView(user._id, user), principal: request.principal };
  });

  app.put('/v1/me/password', { schema: { body: ChangePasswordBody } }, async (request, reply) => {
    const { currentPassword, newPassword } = request.body;
    const user = await checkCredentials(credentials, { userId: request.principal.sub }, currentPassword, 'password.change');
    const errors = passwordPolicyErrors(newPassword, { username: user.username, name: user.name, field: 'body.newPassword' });
    if (newPassword === currentPassword) errors.push({ field: 'body.newPassword', message: 'must differ from the current password' });
    if (errors.length > 0) throw portalErrors.PORTAL_ERR_WEAK_PASSWORD(errors.map((e) => e.message).join('; '), { errors });
    const now = credentials.now();
    const passwordHash = await hashPassword(newPassword, credentials.scrypt);
    await users.update(user._id, (u) => ({ ...u, passwordHash, mustChangePassword: false, passwordChangedAt: now.toISOString() }), {
      actor: `user:${user._id}`,
      action: 'password.changed',
      now,
    });
    // Other browsers signed in as this user are signed out; this one stays.
    const current = readCookie(request.headers.cookie, SESSION_COOKIE);
    await sessions.revokeAll(user._id, now, current === undefined ? undefined : sessions.idOf(current));
    return reply.status(204).send();
  });

  // ------------------------------------------------------------------ agencies

  app.get('/v1/agencies', async () => {
    const list = await agencies.find({}, { sort: { _id: 1 } });
    return { agencies: list.map((a) => ({ agencyId: a._id, name: a.name, kind: a.kind })) };
  });

  app.post('/v1/agencies', { config: { roles: ['admin'] }, schema: { body: CreateAgencyBody } }, async (request, reply) => {
    const { agencyId, name, kind } = request.body;
    const now = credentials.now();
    try {
      await store.transaction(async (tx) => {
        const record = { name, kind, createdAt: now.toISOString() };
        await tx.collection(agenciesCollection).insert({ _id: agencyId, ...record });
        await writeAudit(tx, { actor: `user:${request.principal.sub}`, action: 'agency.created', now, target: `agency:${agencyId}`, after: record });
      });
    } catch (err) {
      if (isDomainError(err, 'STORE_ERR_DUPLICATE')) {
        throw portalErrors.PORTAL_ERR_AGENCY_EXISTS(`agency ${agencyId} exists`, { errors: [{ field: 'body.agencyId', message: 'exists' }], cause: err });
      }
      throw err;
    }
    return reply.status(201).send({ agencyId, name, kind });
  });

  // ------------------------------------------------------------------ the lab's people
  // Whom an item can be handed to: enabled lab staff, by id and printed name (no agency users,
  // no account details), for every signed-in member of staff.
  app.get('/v1/people', { config: { roles: ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin'] } }, async () => {
    const list = await users.list();
    return {
      people: list
        .filter((u) => !u.disabled && !u.roles.includes('investigator'))
        .map((u) => ({ id: u._id, name: u.name, roles: u.roles }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  });

  // ------------------------------------------------------------------ users (admin)

  app.get('/v1/users', { config: { roles: ['admin'] } }, async () => {
    const list = await users.list();
    return { users: list.map((u) => userView(u._id, u)) };
  });

  app.get('/v1/users/:userId', { config: { roles: ['admin'] }, schema: { params: UserParams } }, async (request) => {
    const user = await users.get(request.params.userId);
    return userView(user._id, user);
  });

  app.post('/v1/users', { config: { roles: ['admin'] }, schema: { body: CreateUserBody } }, async (request, reply) => {
    const body = request.body;
    assertShape(body.roles, body.agencyId);
    await assertAgencyExists(body.agencyId);
    const generated = body.password === undefined;
    const password = body.password ?? randomPassword();
    const errors = passwordPolicyErrors(password, { username: body.username, name: body.name, field: 'body.password' });
    if (errors.length > 0) throw portalErrors.PORTAL_ERR_WEAK_PASSWORD(errors.map((e) => e.message).join('; '), { errors });
    const now = credentials.now();
    const record: UserRecord = {
      username: body.username,
      name: body.name,
      roles: [...new Set(body.roles)],
      ...(body.agencyId === undefined ? {} : { agencyId: body.agencyId }),
      disabled: false,
      failedAttempts: 0,
      passwordHash: await hashPassword(password, credentials.scrypt),
      // Whoever chose the password is not the user: they set their own at first sign-in.
      mustChangePassword: true,
      passwordChangedAt: now.toISOString(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const id = randomUUID();
    await users.create(id, record, { actor: `user:${request.principal.sub}`, action: 'user.created', now });
    return reply.status(201).send({ user: userView(id, record), ...(generated ? { initialPassword: password } : {}) });
  });

  app.patch('/v1/users/:userId', { config: { roles: ['admin'] }, schema: { params: UserParams, body: UpdateUserBody } }, async (request) => {
    const { userId } = request.params;
    const body = request.body;
    const current = await users.get(userId);
    const roles = body.roles === undefined ? current.roles : [...new Set(body.roles)];
    const agencyId = body.agencyId === undefined ? current.agencyId : (body.agencyId ?? undefined);
    assertShape(roles, agencyId);
    await assertAgencyExists(agencyId);
    const disabled = body.disabled ?? current.disabled;
    const losesAdmin = current.roles.includes('admin') && !current.disabled && (disabled || !roles.includes('admin'));
    if (losesAdmin && (await users.countActiveAdmins()) <= 1) throw portalErrors.PORTAL_ERR_LAST_ADMIN();
    const now = credentials.now();
    const updated = await users.update(
      userId,
      (u) => {
        const { agencyId: _old, ...rest } = u;
        return { ...rest, name: body.name ?? u.name, roles, disabled, ...(agencyId === undefined ? {} : { agencyId }) };
      },
      { actor: `user:${request.principal.sub}`, action: disabled && !current.disabled ? 'user.disabled' : 'user.updated', now },
    );
    if (disabled) await sessions.revokeAll(userId, now);
    return userView(updated._id, updated);
  });

  app.post('/v1/users/:userId/unlock', { config: { roles: ['admin'] }, schema: { params: UserParams } }, async (request) => {
    const now = credentials.now();
    const updated = await users.update(request.params.userId, (u) => ({ ...u, failedAttempts: 0, lockedUntil: undefined }), {
      actor: `user:${request.principal.sub}`,
      action: 'user.unlocked',
      now,
    });
    return userView(updated._id, updated);
  });

  // A new random password, shown once to the admin; the user must change it at next sign-in.
  app.post('/v1/users/:userId/password-resets', { config: { roles: ['admin'] }, schema: { params: UserParams } }, async (request, reply) => {
    const now = credentials.now();
    const password = randomPassword();
    const passwordHash = await hashPassword(password, credentials.scrypt);
    const updated = await users.update(
      request.params.userId,
      (u) => ({ ...u, passwordHash, mustChangePassword: true, passwordChangedAt: now.toISOString(), failedAttempts: 0, lockedUntil: undefined }),
      { actor: `user:${request.principal.sub}`, action: 'password.reset', now },
    );
    await sessions.revokeAll(updated._id, now);
    return reply.status(201).header('cache-control', 'no-store').send({ user: userView(updated._id, updated), password });
  });
}
