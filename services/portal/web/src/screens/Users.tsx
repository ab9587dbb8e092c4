// Administration: users (create, disable, unlock, reset password) and agencies.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import type { User } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError, Select, useAction } from '../components/forms.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';

const ROLES = ['technician', 'analyst', 'reviewer', 'qa_manager', 'investigator', 'admin'] as const;

interface Agency {
  agencyId: string;
  name: string;
  kind: string;
}

export function Users() {
  const { t } = useI18n();
  const [users, setUsers] = useState<User[]>([]);
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [shown, setShown] = useState<string>();
  const load = useCallback(async () => {
    const [u, a] = await Promise.all([
      api<{ users: User[] }>('/v1/users'),
      api<{ agencies: Agency[] }>('/v1/agencies'),
    ]);
    setUsers(u.users);
    setAgencies(a.agencies);
  }, []);
  const loading = useAction(load);
  useEffect(() => {
    void loading.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const [form, setForm] = useState({ username: '', name: '', role: 'technician', agencyId: '' });
  const create = useAction(async () => {
    const res = await api<{ user: User; initialPassword?: string }>('/v1/users', {
      body: {
        username: form.username,
        name: form.name,
        roles: [form.role],
        ...(form.role === 'investigator' ? { agencyId: form.agencyId } : {}),
      },
    });
    setShown(t('users.initialPassword', { username: res.user.username, password: res.initialPassword ?? '' }));
    setForm({ username: '', name: '', role: 'technician', agencyId: '' });
    await load();
  });
  const act = useAction(async ({ path, body, method = 'POST' }: { path: string; body?: unknown; method?: string }) => {
    const res = await api<{ password?: string; user?: User }>(path, { method, body: body ?? {} });
    if (res.password !== undefined)
      setShown(t('users.resetPassword', { username: res.user?.username ?? '', password: res.password }));
    await load();
  });

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t('users.title')}</h1>
      <FormError error={loading.error ?? act.error} />
      {shown !== undefined && (
        <p className="notice mono" role="status">
          {shown}
        </p>
      )}
      <DataTable
        caption={t('users.caption')}
        rows={users}
        rowKey={(u) => u.id}
        columns={[
          { header: t('users.username'), cell: (u) => u.username },
          { header: t('users.name'), cell: (u) => u.name },
          { header: t('users.roles'), cell: (u) => u.roles.map((r) => t(`role.${r}` as MessageKey)).join(', ') },
          { header: t('users.agency'), cell: (u) => u.agencyId ?? '—' },
          {
            header: t('users.state'),
            cell: (u) =>
              u.disabled ? t('users.disabled') : u.lockedUntil !== null ? t('users.locked') : t('users.active'),
          },
          {
            header: t('users.actions'),
            cell: (u) => (
              <div className="row-actions">
                {u.lockedUntil !== null && (
                  <button type="button" onClick={() => void act.run({ path: `/v1/users/${u.id}/unlock` })}>
                    {t('users.unlock')}
                  </button>
                )}
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    void act.run({ path: `/v1/users/${u.id}`, body: { disabled: !u.disabled }, method: 'PATCH' })
                  }
                >
                  {u.disabled ? t('users.enable') : t('users.disable')}
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => void act.run({ path: `/v1/users/${u.id}/password-resets` })}
                >
                  {t('users.reset')}
                </button>
              </div>
            ),
          },
        ]}
      />

      <form
        aria-labelledby="new-user-title"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <h2 id="new-user-title">{t('users.new')}</h2>
        <div className="grid">
          <Field
            label={t('users.username')}
            name="username"
            value={form.username}
            onChange={(e) => setForm({ ...form, username: e.target.value })}
            error={create.apiError}
            required
          />
          <Field
            label={t('users.name')}
            name="name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            error={create.apiError}
            required
          />
          <Select
            label={t('users.role')}
            name="roles"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value })}
            error={create.apiError}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}` as MessageKey)}
              </option>
            ))}
          </Select>
          {form.role === 'investigator' && (
            <Select
              label={t('users.agency')}
              name="agencyId"
              value={form.agencyId}
              onChange={(e) => setForm({ ...form, agencyId: e.target.value })}
              error={create.apiError}
            >
              <option value="">—</option>
              {agencies.map((a) => (
                <option key={a.agencyId} value={a.agencyId}>
                  {a.name}
                </option>
              ))}
            </Select>
          )}
        </div>
        <FormError error={create.apiError?.errors.length ? undefined : create.error} />
        <button type="submit" disabled={create.busy}>
          {t('users.create')}
        </button>
      </form>
    </section>
  );
}
