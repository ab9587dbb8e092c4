// The e-signature step: the signer re-enters their password; the portal returns a signed,
// short-lived statement that the service recording the act verifies. An act that needs a
// witness (a destruction) asks the witness, at the same workstation, for their own username and
// password in the same dialog; both signatures are obtained before anything is recorded.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import type { SignedAct } from '../signed-acts.ts';
import { Field, FormError, useAction } from './forms.tsx';

/** A witness's signature and the short-lived access token to record the witnessed act with. */
export interface WitnessSignature {
  token: string;
  accessToken: string;
  signature: { by: string; printedName: string };
}

export interface ESignatureProps {
  meaning: string;
  purpose: string;
  /** The act a second person witnesses; omit for a signature of the signer alone. */
  witness?: SignedAct | undefined;
  /** Only the witness signs here (the signer's part is already recorded). */
  witnessOnly?: boolean | undefined;
  onSigned(token: string, witness?: WitnessSignature): Promise<void>;
  onCancel(): void;
}

function useMeaningText(): (meaning: string) => string {
  const { t } = useI18n();
  return (meaning) => {
    const key = `esig.meaning.${meaning}` as MessageKey;
    return t(key) === key ? meaning : t(key);
  };
}

export function ESignatureDialog({ meaning, purpose, witness, witnessOnly, onSigned, onCancel }: ESignatureProps) {
  const { t } = useI18n();
  const meaningText = useMeaningText();
  const [password, setPassword] = useState('');
  const [witnessName, setWitnessName] = useState('');
  const [witnessPassword, setWitnessPassword] = useState('');
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  // Which of the two people a failure concerns: the witness's fields, or the signer's.
  const witnessError = useRef<unknown>(undefined);
  const signer = useAction(async () => {
    const own =
      witnessOnly === true
        ? ''
        : (await api<{ token: string }>('/v1/e-signatures', { body: { password, meaning, purpose } })).token;
    if (witness === undefined) {
      await onSigned(own);
      return;
    }
    let second: WitnessSignature;
    try {
      second = await api<WitnessSignature>('/v1/e-signatures/witnesses', {
        body: { username: witnessName, password: witnessPassword, meaning: witness.meaning, purpose: witness.purpose },
      });
    } catch (err) {
      witnessError.current = err;
      throw err;
    }
    await onSigned(own, second);
  });
  const failed = signer.apiError;
  const witnessFailed = failed !== undefined && witnessError.current === failed;
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
          witnessError.current = undefined;
          void signer.run();
        }}
      >
        <h2 id="esig-title">{t('esig.title')}</h2>
        {witnessOnly !== true && (
          <>
            <p>{t('esig.statement', { meaning: meaningText(meaning), purpose })}</p>
            <Field
              ref={first}
              label={t('esig.password')}
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={witnessFailed ? undefined : failed}
              required
            />
          </>
        )}
        {witness !== undefined && (
          <fieldset>
            <legend>{t('esig.witnessTitle')}</legend>
            <p>{t('esig.witnessStatement', { meaning: meaningText(witness.meaning), purpose: witness.purpose })}</p>
            <Field
              ref={witnessOnly === true ? first : undefined}
              label={t('esig.witnessUsername')}
              name="username"
              autoComplete="off"
              value={witnessName}
              onChange={(e) => setWitnessName(e.target.value)}
              error={witnessFailed ? failed : undefined}
              required
            />
            <Field
              label={t('esig.witnessPassword')}
              name="password"
              type="password"
              autoComplete="off"
              value={witnessPassword}
              onChange={(e) => setWitnessPassword(e.target.value)}
              error={witnessFailed ? failed : undefined}
              required
            />
          </fieldset>
        )}
        {witnessFailed && failed.errors.length === 0 && <p className="form-error">{t('esig.witnessFailed')}</p>}
        <FormError error={failed?.errors.length ? undefined : signer.error} />
        <div className="actions">
          <button type="submit" disabled={signer.busy}>
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
