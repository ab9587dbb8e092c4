import { describe, expect, it } from 'vitest';
import { renderMirrorPlot } from './mirror-plot.ts';

describe('mirror plot', () => {
  it('draws the query up and the library hit down, naming both and the match', () => {
    const svg = renderMirrorPlot({
      query: [
        [72, 999],
        [198, 60],
      ],
      reference: [
        [72, 999],
        [284, 80],
      ],
      queryName: 'TMG-2025-000001-01 <query>',
      referenceName: 'PROMETHAZINE',
      caption: 'MF 911',
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('TMG-2025-000001-01 &lt;query&gt;');
    expect(svg).toContain('PROMETHAZINE (MF 911)');
    expect(svg).toContain('>284<');
    expect(svg).toContain('>198<');
  });
});
