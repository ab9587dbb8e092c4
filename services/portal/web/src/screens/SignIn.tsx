import { useEffect, useRef, useState } from 'react';
import { Field, FormError, useAction } from '../components/forms.tsx';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';

export function SignIn() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const action = useAction(() => signIn(username, password));
  const err = action.apiError;
  // Wrong credentials are shown at the password; a lock or a disabled account at the form.
  const formLevel = err === undefined || err.errors.length === 0 ? action.error : undefined;
  return (
    <main className="sign-in">
      <form
        aria-labelledby="sign-in-title"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run();
        }}
      >
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        <Field
          ref={first}
          label={t('signIn.username')}
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          error={err}
          required
        />
        <Field
          label={t('signIn.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={err}
          required
        />
        <FormError error={formLevel} />
        <button type="submit" disabled={action.busy}>
          {t('signIn.submit')}
        </button>
        <p>
          <a href="#/verify">{t('nav.verify')}</a>
        </p>
      </form>
    </main>
  );
}
