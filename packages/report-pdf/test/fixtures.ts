// A realistic two-item report model for the tests and the benchmark.
import type { ReportModelInput } from '../src/index.ts';

const cocaineQuery: [number, number][] = [
  [42, 12], [51, 6], [77, 14], [82, 100], [94, 28], [96, 10], [105, 36], [122, 11], [150, 8], [182, 88], [198, 14], [272, 6], [303, 24],
];
const cocaineReference: [number, number][] = [
  [42, 15], [51, 5], [77, 16], [82, 100], [94, 32], [96, 12], [105, 40], [122, 12], [150, 7], [182, 92], [198, 12], [272, 5], [303, 27],
];

export function sampleReport(overrides: Partial<ReportModelInput> = {}): ReportModelInput {
  return {
    reportNumber: 'TAM-2025-000123',
    issuedAt: '2025-11-20T10:30:00Z',
    laboratory: {
      name: { ru: 'Республиканский экспертно-криминалистический центр', en: 'Republican Forensic Science Centre' },
      address: { ru: 'г. Ташкент, ул. Навои, 12', en: '12 Navoi St., Tashkent' },
      accreditation: 'ISO/IEC 17025:2017, O\u2019zAK.ISL.0123',
    },
    agency: { name: { ru: 'ГУВД г. Ташкента', en: 'Tashkent City Police Department' }, caseNumber: '2025/147-UD', requestRef: 'No. 88 of 2025-11-03' },
    investigator: { name: 'Каримов А. Б. / Karimov A. B.', position: { ru: 'следователь', en: 'investigator' } },
    receivedAt: '2025-11-04T08:15:00Z',
    analysis: { from: '2025-11-05T00:00:00Z', to: '2025-11-18T00:00:00Z' },
    items: [
      {
        labNo: 'TAM-2025-000123-01',
        exhibitNo: '1',
        description: { ru: 'Порошок белого цвета в полимерном пакете', en: 'White powder in a plastic bag' },
        packaging: { ru: 'бумажный конверт', en: 'paper envelope' },
        seals: [{ number: 'S-004512', intact: true }],
        conditionOnReceipt: { ru: 'без повреждений', en: 'undamaged' },
        custodyHead: { hash: 'a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778', size: 7, checkpoint: 'cp-2025-11-20-0001' },
      },
      {
        labNo: 'TAM-2025-000123-02',
        exhibitNo: '2',
        description: { ru: 'Растительное вещество зелёного цвета', en: 'Green plant material' },
        seals: [{ number: 'S-004513', intact: false }],
        conditionOnReceipt: { ru: 'пломба нарушена', en: 'seal broken' },
        custodyHead: { hash: '0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0', size: 5 },
      },
    ],
    results: [
      {
        labNo: 'TAM-2025-000123-01',
        substance: { ru: 'Кокаин', en: 'Cocaine' },
        legalClass: { ru: 'наркотическое средство', en: 'narcotic drug' },
        method: { sopId: 'SOP-GCMS-004', version: '3', techniques: ['GC-MS', 'FTIR'] },
        quantity: { value: 78.4, unit: '%', expandedUncertainty: 2.1 },
        netMass: { value: 12.35, unit: 'g', expandedUncertainty: 0.02 },
        matchFactor: 942,
        reverseMatchFactor: 958,
        entropySimilarity: 871,
        spectrum: { query: cocaineQuery, reference: cocaineReference, referenceName: 'Cocaine (SWGDRUG 3.14 #1021)' },
      },
      {
        labNo: 'TAM-2025-000123-02',
        substance: { ru: 'Каннабис (марихуана)', en: 'Cannabis (marijuana)' },
        legalClass: { ru: 'наркотическое средство', en: 'narcotic drug' },
        method: { sopId: 'SOP-MICRO-002', version: '1', techniques: ['microscopy', 'GC-MS'] },
        netMass: { value: 48.2, unit: 'g', expandedUncertainty: 0.05 },
      },
    ],
    library: { name: 'SWGDRUG Mass Spectral Library', version: '3.14' },
    deviations: [{ ru: 'Объект 2: пломба S-004513 нарушена при поступлении.', en: 'Item 2: seal S-004513 was broken on receipt.' }],
    opinions: [],
    authorizer: { name: 'Усманова Д. Р. / Usmanova D. R.', role: { ru: 'заведующая лабораторией', en: 'Head of laboratory' }, signedAt: '2025-11-20T10:25:00Z' },
    ...overrides,
  };
}
