import pg from 'pg';
import { isErrno } from '../errno';
import { NewerSchemaError } from './sqlite-schema';

/**
 * Why a PostgreSQL catalog cannot be used, in words, when `error` is the server's or the
 * connection's (undefined for anything else: a bug). What the person does about it goes
 * with it: start the server, check the login, upgrade lto.
 */
export const pgFailureReason = (error: unknown): string | undefined => {
  if (error instanceof NewerSchemaError) return `${error.message}: upgrade lto on this host`;
  if (error instanceof pg.DatabaseError) return databaseReason(error);
  if (isErrno(error, 'ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN')) {
    return `no server answers (${error.code ?? ''}): is PostgreSQL running there?`;
  }
  if (error instanceof Error && /getaddrinfo|ENOTFOUND/.test(error.message)) return `no such host (${error.message})`;
  if (error instanceof Error && /password must be a string/i.test(error.message)) return 'the server asks for a password and none was given: set PGPASSWORD or ~/.pgpass';
  if (error instanceof Error && /password|SASL|authentication/i.test(error.message)) return `login refused: ${error.message} (set PGPASSWORD or ~/.pgpass)`;
  if (error instanceof Error && /Connection terminated/i.test(error.message)) return `the server closed the connection (${error.message})`;
  return undefined;
};

const databaseReason = (error: pg.DatabaseError): string => {
  const code = error.code ?? '';
  // Class 28: invalid authorization (a wrong password, no pg_hba.conf entry for this host or user).
  if (code.startsWith('28')) return `login refused: ${error.message} (set PGPASSWORD or ~/.pgpass)`;
  if (code === '3D000') return `${error.message}: create it first (createdb)`;
  if (code === '42501') return `${error.message}: the user may not create the catalog's tables`;
  // Class 08 (connection), 53 (resources), 57 (operator intervention: shutdown), 58 (system).
  return `${error.message} (PostgreSQL ${code})`;
};
