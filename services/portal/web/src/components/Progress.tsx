// Progress of a long operation (an upload, a library import, a report being issued): a bar when
// the fraction is known, an indeterminate one while the service works, and the time waited.
import { useEffect, useState } from 'react';

export function Progress({
  label,
  value,
  max,
}: {
  label: string;
  value?: number | undefined;
  max?: number | undefined;
}) {
  const [started] = useState(() => Date.now());
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.floor((Date.now() - started) / 1000);
  const known = value !== undefined && max !== undefined && max > 0;
  return (
    <div className="progress" role="status" aria-live="polite">
      <span>
        {label}
        {known ? ` ${Math.round((100 * value) / max)} %` : ''} · {seconds} s
      </span>
      {known ? <progress value={value} max={max} aria-label={label} /> : <progress aria-label={label} />}
    </div>
  );
}
