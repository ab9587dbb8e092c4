// Expected failures of `tamga backup` and `tamga restore`, each with a stable code.
import { errorCatalogue } from '@tamga/contracts';

export const BackupErrors = errorCatalogue({
  /** The data folder is missing or holds nothing Tamga wrote. */
  BACKUP_ERR_NO_DATA: [400, 'The data folder holds no Tamga data'],
  /** MONGO_URL is set: the store lives in MongoDB, which this command does not copy. */
  BACKUP_ERR_MONGO_BACKEND: [400, 'The store is MongoDB; back it up with mongodump --oplog'],
  /** The archive would be written inside the data folder it backs up (and be copied by the next backup). */
  BACKUP_ERR_OUT_INSIDE_DATA: [400, 'The archive must be written outside the data folder'],
  /** A blob file's content does not hash to its name: the data folder itself is damaged. */
  BACKUP_ERR_BLOB_CORRUPT: [422, 'A blob file does not match its SHA-256 name'],
  /** A database copy failed SQLite's integrity check. */
  BACKUP_ERR_DATABASE_CORRUPT: [422, 'A database copy failed its integrity check'],
  /** The archive has no readable manifest first, or the manifest is malformed. */
  BACKUP_ERR_MANIFEST: [422, 'The archive has no valid manifest'],
  /** A file in the archive differs from the manifest (hash, size), is missing, or is not listed. */
  BACKUP_ERR_VERIFY: [422, 'The archive does not match its manifest'],
  /** The archive holds an entry that is not a plain file or folder, or a path outside the data folder. */
  BACKUP_ERR_UNSAFE_ENTRY: [422, 'The archive holds an entry restore will not write'],
  /** The restore target already holds files and --force was not given. */
  BACKUP_ERR_TARGET_NOT_EMPTY: [409, 'The data folder is not empty; restore needs an empty one (or --force)'],
});
