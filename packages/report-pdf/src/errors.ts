// Expected failures of report rendering, signing and verification. A verification that finds a
// bad signature is NOT an error: it returns `valid: false` with reasons. Errors are for input
// that cannot be processed at all (not a PDF, no signature, unreadable PKI files).
import { errorCatalogue } from '@tamga/contracts';

export const ReportPdfErrors = errorCatalogue({
  REPORT_ERR_INVALID_MODEL: [400, 'The report model is invalid'],
  REPORT_ERR_FONT_MISSING: [500, 'No font with Cyrillic coverage was found'],
  REPORT_ERR_TRANSLATION_MISSING: [500, 'A translation file is missing or incomplete'],
  REPORT_ERR_PKI_UNREADABLE: [500, 'The laboratory PKI files cannot be read'],
  REPORT_ERR_NOT_SIGNED: [422, 'The PDF carries no signature'],
  REPORT_ERR_NOT_PDF: [422, 'The file is not a PDF'],
  REPORT_ERR_SIGNING_FAILED: [500, 'The report could not be signed'],
});
