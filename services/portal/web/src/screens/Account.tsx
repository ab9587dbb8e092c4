import { useState } from 'react';
import { api } from '../api.ts';
import { Field, FormError, useAction } from '../components/forms.tsx';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';

export function Account() {
  const { t } = useI18n();
  const { user, setUser } = useSession();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction(async () => {
    await api('/v1/me/password', { method: 'PUT', body: { currentPassword, newPassword } });
    setDone(true);
    setCurrent('');
    setNew('');
    if (user !== undefined) setUser({ ...user, mustChangePassword: false });
  });
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">{t('account.title')}</h1>
      {user?.mustChangePassword === true && <p className="notice">{t('account.mustChange')}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          void action.run();
        }}
      >
        <Field
          label={t('account.current')}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={(e) => setCurrent(e.target.value)}
          error={action.apiError}
          required
        />
        <Field
          label={t('account.new')}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          hint={t('account.policy')}
          value={newPassword}
          onChange={(e) => setNew(e.target.value)}
          error={action.apiError}
          required
        />
        <FormError error={action.apiError?.errors.length ? undefined : action.error} />
        {done && (
          <p role="status" className="ok">
            {t('account.changed')}
          </p>
        )}
        <button type="submit" disabled={action.busy}>
          {t('account.submit')}
        </button>
      </form>
    </section>
  );
}
