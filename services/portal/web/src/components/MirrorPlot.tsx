// A mirror plot: the query spectrum above the axis, the library reference below, both scaled
// to their base peak (100 %). Drawn as SVG so it prints and scales.
import { useI18n } from '../i18n.tsx';

export type Peaks = ReadonlyArray<readonly [mz: number, intensity: number]>;

function normalise(peaks: Peaks): Peaks {
  const max = Math.max(1e-12, ...peaks.map(([, i]) => i));
  return peaks.map(([mz, i]) => [mz, (100 * i) / max] as const);
}

export function MirrorPlot({ query, reference, title }: { query: Peaks; reference: Peaks; title: string }) {
  const { t } = useI18n();
  const width = 640;
  const height = 320;
  const pad = 36;
  const q = normalise(query);
  const r = normalise(reference);
  const all = [...q, ...r].map(([mz]) => mz);
  const lo = Math.floor(Math.min(40, ...all) / 10) * 10;
  const hi = Math.ceil(Math.max(lo + 10, ...all) / 10) * 10;
  const x = (mz: number) => pad + ((mz - lo) / (hi - lo)) * (width - 2 * pad);
  const mid = height / 2;
  const y = (pct: number) => (pct / 100) * (mid - pad / 2);
  const ticks = Array.from({ length: 6 }, (_, i) => Math.round(lo + ((hi - lo) * i) / 5));
  return (
    <figure className="mirror">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        <title>{title}</title>
        <line x1={pad} x2={width - pad} y1={mid} y2={mid} className="axis" />
        {ticks.map((tick) => (
          <text key={tick} x={x(tick)} y={height - 4} textAnchor="middle" className="tick">
            {tick}
          </text>
        ))}
        <text x={pad} y={14} className="legend query">{t('work.plot.query')}</text>
        <text x={pad} y={height - 20} className="legend reference">{t('work.plot.reference')}</text>
        {q.map(([mz, pct]) => (
          <line key={`q${mz}`} x1={x(mz)} x2={x(mz)} y1={mid} y2={mid - y(pct)} className="peak query" />
        ))}
        {r.map(([mz, pct]) => (
          <line key={`r${mz}`} x1={x(mz)} x2={x(mz)} y1={mid} y2={mid + y(pct)} className="peak reference" />
        ))}
      </svg>
      <figcaption>{t('work.plot.caption')}</figcaption>
    </figure>
  );
}
