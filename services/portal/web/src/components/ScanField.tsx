// The label-scan field of the scan desk and the inventory. A barcode scanner is a keyboard: it
// types what the label holds and presses Enter, so the field takes focus when the screen opens
// (the screen focuses it again after an act) and Enter submits the lookup.
import { useEffect } from 'react';
import type { RefObject } from 'react';
import { ApiError } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { Field, FormError } from './forms.tsx';

interface ScanFieldProps {
  label: string;
  /** The input, for the screen to focus again after it has acted on the scanned item. */
  ref: RefObject<HTMLInputElement | null>;
  value: string;
  onChange: (value: string) => void;
  /** Looks the scanned code up; called on Enter or the Find button. */
  onScan: () => void;
  /** The lookup's failure: a problem about `code` shows at the field, anything else below it. */
  error: unknown;
}

export function ScanField({ label, ref, value, onChange, onScan, error }: ScanFieldProps) {
  const { t } = useI18n();
  useEffect(() => {
    ref.current?.focus();
  }, [ref]);
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onScan();
        }}
      >
        <Field
          ref={ref}
          label={label}
          name="code"
          className="scan"
          autoComplete="off"
          spellCheck={false}
          hint={t('scan.hint')}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          error={error instanceof ApiError ? error : undefined}
          required
        />
        <button type="submit">{t('scan.find')}</button>
      </form>
      <FormError error={error} fields={['code']} />
    </>
  );
}
