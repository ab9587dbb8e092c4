// The e-signature step: the signer re-enters their password; the portal returns a signed,
// short-lived statement that the service recording the act verifies.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import { Field, FormError, useAction } from './forms.tsx';

export interface ESignatureProps {
  meaning: string;
  purpose: string;
  onSigned(token: string): Promise<void>;
  onCancel(): void;
}

export function ESignatureDialog({ meaning, purpose, onSigned, onCancel }: ESignatureProps) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const meaningKey = `esig.meaning.${meaning}`;
  const meaningText = t(meaningKey as MessageKey) === meaningKey ? meaning : t(meaningKey as MessageKey);
  const sign = useAction(async () => {
    const res = await api<{ token: string }>('/v1/e-signatures', { body: { password, meaning, purpose } });
    await onSigned(res.token);
  });
  return (
    <div className="dialog-backdrop">
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="esig-title"
        onKeyDown={(e) => e.key === 'Escape' && onCancel()}
        onSubmit={(e) => {
          e.preventDefault();
          void sign.run();
        }}
      >
        <h2 id="esig-title">{t('esig.title')}</h2>
        <p>{t('esig.statement', { meaning: meaningText, purpose })}</p>
        <Field
          ref={first}
          label={t('esig.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={sign.apiError}
          required
        />
        <FormError error={sign.apiError?.errors.length ? undefined : sign.error} />
        <div className="actions">
          <button type="submit" disabled={sign.busy}>
            {t('esig.sign')}
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
