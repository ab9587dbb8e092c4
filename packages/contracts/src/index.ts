export { DomainError, errorCatalogue, isDomainError } from './errors.ts';
export type { FieldError, DomainErrorOptions } from './errors.ts';
