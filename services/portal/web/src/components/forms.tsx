// Form building blocks: every input has a visible label, and the error a service gave for a
// field is shown under that field (problem details `errors[].field`).
import { useId, useState } from 'react';
import type { InputHTMLAttributes, ReactNode, Ref, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { ApiError, fieldMatches } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  /** Problem-details field name this input answers for (e.g. `password`, `seals.0.number`). */
  name: string;
  error?: ApiError | undefined;
  hint?: string | undefined;
  ref?: Ref<HTMLInputElement> | undefined;
}

/** The UI's own words for a problem code when it has them, else the service's message. */
export function useErrorText(): (error: ApiError, fallback: string) => string {
  const { t } = useI18n();
  return (error, fallback) => {
    const key = `error.${error.code}` as MessageKey;
    const text = t(key);
    return text === key ? fallback : text;
  };
}

export function Field({ label, name, error, hint, ref, ...input }: FieldProps) {
  const id = useId();
  const errorText = useErrorText();
  const raw = error?.fieldError(name);
  const message = error === undefined || raw === undefined ? undefined : errorText(error, raw);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={ref}
        id={id}
        name={name}
        aria-invalid={message !== undefined}
        aria-describedby={message !== undefined ? `${id}-err` : undefined}
        {...input}
      />
      {hint !== undefined && <small>{hint}</small>}
      {message !== undefined && (
        <span className="field-error" id={`${id}-err`} role="alert">
          {message}
        </span>
      )}
    </div>
  );
}

interface AreaProps extends TextareaHTMLAttributes<HTMLTextAreaElement> {
  label: string;
  name: string;
  error?: ApiError | undefined;
}

export function Area({ label, name, error, ...input }: AreaProps) {
  const id = useId();
  const message = error?.fieldError(name);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} name={name} aria-invalid={message !== undefined} {...input} />
      {message !== undefined && (
        <span className="field-error" role="alert">
          {message}
        </span>
      )}
    </div>
  );
}

interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  name: string;
  error?: ApiError | undefined;
  children: ReactNode;
}

export function Select({ label, name, error, children, ...select }: SelectProps) {
  const id = useId();
  const message = error?.fieldError(name);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} aria-invalid={message !== undefined} {...select}>
        {children}
      </select>
      {message !== undefined && (
        <span className="field-error" role="alert">
          {message}
        </span>
      )}
    </div>
  );
}

/**
 * The form-level message: what went wrong that no single field explains. With `fields`, a
 * problem whose every field error is shown at one of those inputs is not repeated here.
 */
export function FormError({ error, fields }: { error: unknown; fields?: readonly string[] }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  if (error === undefined || error === null) return null;
  if (error instanceof ApiError) {
    const placed =
      fields !== undefined &&
      error.errors.length > 0 &&
      error.errors.every((e) => fields.some((f) => fieldMatches(e.field, f)));
    if (placed) return null;
    if (error.unavailable)
      return (
        <p className="notice" role="status">
          {t('common.unavailable')}
        </p>
      );
    return (
      <p className="form-error" role="alert">
        {errorText(error, error.message)}
      </p>
    );
  }
  return (
    <p className="form-error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

/** Runs an async action, keeping its error and a busy flag for the form. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function run(...args: A) {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { run, error, busy, apiError: error instanceof ApiError ? error : undefined };
}
