import { errorCatalogue } from '@tamga/contracts';

export const StoreErrors = errorCatalogue({
  STORE_ERR_DUPLICATE: [409, 'A record with this key already exists'],
  STORE_ERR_VERSION_CONFLICT: [409, 'The record was changed by someone else; reload and retry'],
  STORE_ERR_NOT_FOUND: [404, 'No such record'],
  STORE_ERR_UNAVAILABLE: [503, 'The store is not reachable'],
});
