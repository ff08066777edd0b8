// Checks of a source URL that would otherwise fail later with a misleading message: pure
// functions of the parsed URL, throwing UsageError (exit 2) with one line that names the fix.
import { UsageError } from '../base/errors.js';
import { forServerText } from '../text/safe-text.js';

/** libpq's sslmode values; postgres.js treats verify-ca as verify-full (stricter, never weaker). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export function checkPostgresUrl(url: URL): void {
  const sslmode = url.searchParams.get('sslmode');
  // postgres.js passes an unknown mode on as a TLS option object, and the connection then
  // fails as "Client network socket disconnected": say what is wrong instead.
  if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new UsageError(`DATABASE_URL has sslmode=${forServerText(sslmode, 40)}: use one of ${SSL_MODES.join(', ')}`);
  }
}

export function checkSupabaseUrl(url: URL): void {
  // fetch refuses such URLs at once; the credentials are never echoed.
  if (url.username || url.password) {
    throw new UsageError(
      'SUPABASE_URL contains a user name or password (user:password@), which HTTP clients refuse: remove it; the key goes in SUPABASE_SERVICE_ROLE_KEY',
    );
  }
}
