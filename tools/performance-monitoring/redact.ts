// Secrets never reach output (SPEC §11): every line the tool prints about a failure passes here.

const SECRET_VARIABLES = ['SUPABASE_SERVICE_ROLE_KEY', 'EMAIL_PASS', 'SLACK_WEBHOOK_URL', 'DATABASE_URL'];

/** Secret values known from the environment, including the password inside DATABASE_URL. */
export function secretsFrom(env: NodeJS.ProcessEnv): string[] {
  const secrets = SECRET_VARIABLES.map((name) => env[name]?.trim()).filter((v): v is string => !!v);
  const databaseUrl = env.DATABASE_URL;
  if (databaseUrl) {
    try {
      const password = new URL(databaseUrl).password;
      if (password) secrets.push(password, decodeURIComponent(password));
    } catch {
      // An unparsable URL is reported elsewhere; the whole value is already listed.
    }
  }
  // Longest first, so a URL is replaced whole before any part of it.
  return [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces secrets, and any credentials inside URLs, with ***. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, '$1***:***@');
}
