// Public verification: drop a report PDF (or choose it) and see whether it is genuine and current.
import { useState } from 'react';
import { api } from '../api.ts';
import { FormError, useAction } from '../components/forms.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';

interface Signer {
  name: string;
  organization?: string | null;
  serialNumber?: string | null;
}

function signerText(s: Signer | null | undefined): string {
  if (s === undefined || s === null) return '—';
  return s.organization ? `${s.name} (${s.organization})` : s.name;
}

interface Verification {
  verdict: string;
  sha256: string;
  signature: {
    valid: boolean;
    trusted: boolean;
    intact: boolean;
    signer?: Signer | null;
    signedAt: string | null;
    reasons: string[];
  };
  record: {
    issuedByThisLab: boolean;
    reportNumber?: string;
    status: string;
    issuedAt?: string;
    supersededBy?: string | null;
  };
}

export function Verify() {
  const { t, time } = useI18n();
  const [result, setResult] = useState<Verification>();
  const [fileName, setFileName] = useState<string>();
  const [over, setOver] = useState(false);
  const action = useAction(async (file: File) => {
    setResult(undefined);
    setFileName(file.name);
    setResult(
      await api<Verification>('/api/reporting/v1/verifications', {
        method: 'POST',
        raw: new Blob([file], { type: 'application/pdf' }),
      }),
    );
  });
  const good = result?.verdict === 'genuine-current';
  return (
    <section aria-labelledby="verify-title">
      <h1 id="verify-title">{t('verify.title')}</h1>
      <p>{t('verify.intro')}</p>
      <label
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const file = e.dataTransfer.files[0];
          if (file !== undefined) void action.run(file);
        }}
      >
        <span>{t('verify.drop')}</span>
        <input
          type="file"
          accept="application/pdf,.pdf"
          aria-label={t('verify.choose')}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file !== undefined) void action.run(file);
          }}
        />
      </label>
      {action.busy && <p role="status">{t('verify.checking', { file: fileName ?? '' })}</p>}
      <FormError error={action.error} />
      {result !== undefined && (
        <div className={`verdict ${good ? 'good' : 'bad'}`} role="status" aria-live="polite">
          <h2>{t(`verify.verdict.${result.verdict}` as MessageKey)}</h2>
          <dl>
            <dt>{t('verify.report')}</dt>
            <dd>{result.record.reportNumber ?? '—'}</dd>
            <dt>{t('verify.status')}</dt>
            <dd>{t(`verify.state.${result.record.status}` as MessageKey)}</dd>
            <dt>{t('verify.signature')}</dt>
            <dd>
              {result.signature.valid && result.signature.intact ? t('verify.signatureOk') : t('verify.signatureBad')}
            </dd>
            <dt>{t('verify.signer')}</dt>
            <dd>{signerText(result.signature.signer)}</dd>
            <dt>{t('verify.signedAt')}</dt>
            <dd>{result.signature.signedAt === null ? '—' : time(result.signature.signedAt)}</dd>
            <dt>SHA-256</dt>
            <dd className="mono">{result.sha256}</dd>
          </dl>
          {result.signature.reasons.length > 0 && (
            <ul>
              {result.signature.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
