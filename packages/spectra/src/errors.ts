import { errorCatalogue } from '@tamga/contracts';

/** Expected failures of the spectra package; the code is stable, tests assert it. */
export const SpectraErrors = errorCatalogue({
  SPECTRA_ERR_MALFORMED_MSP: [422, 'The MSP text is malformed'],
  SPECTRA_ERR_MALFORMED_JCAMP: [422, 'The JCAMP-DX text is malformed'],
  SPECTRA_ERR_MALFORMED_MZML: [422, 'The mzML document is malformed'],
  SPECTRA_ERR_MALFORMED_CSV: [422, 'The CSV spectrum is malformed'],
  SPECTRA_ERR_UNKNOWN_FORMAT: [415, 'The file is not a spectrum format this reader knows'],
  SPECTRA_ERR_BAD_INDEX: [422, 'The index file is not a Tamga spectral index or is damaged'],
  SPECTRA_ERR_BAD_QUERY: [400, 'The search request is not valid'],
});
