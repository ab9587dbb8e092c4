import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mirrorPlotGeometry, mirrorPlotSvg } from './mirror-plot.ts';

const peaks = fc.array(fc.tuple(fc.double({ min: 1, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true })), { maxLength: 60 });

describe('mirror plot', () => {
  it('keeps every bar inside the frame, query above the zero line and reference below', () => {
    fc.assert(
      fc.property(peaks, peaks, (q, r) => {
        const { plot, queryBars, referenceBars } = mirrorPlotGeometry(q, r, { width: 400, height: 200 });
        const inside = (x: number, y: number) => x >= plot.left && x <= plot.right && y >= plot.top && y <= plot.bottom;
        return (
          queryBars.every((b) => inside(b.x, b.y2) && b.y2 <= plot.mid) &&
          referenceBars.every((b) => inside(b.x, b.y2) && b.y2 >= plot.mid)
        );
      }),
    );
  });

  it('draws the base peak of each spectrum at full height', () => {
    const g = mirrorPlotGeometry([[82, 50], [182, 25]], [[82, 999]], { width: 400, height: 200 });
    expect(g.queryBars[0]?.y2).toBeCloseTo(g.plot.up100);
    expect(g.referenceBars[0]?.y2).toBeCloseTo(g.plot.down100);
  });

  it('produces an SVG with one path per spectrum and escaped labels', () => {
    const svg = mirrorPlotSvg([[82, 100]], [[82, 90]], { query: 'Query <A&B>', reference: 'Cocaine' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('Query &lt;A&amp;B&gt;');
  });
});
