// Secrets (tokens, basic-auth passwords, API keys) must never reach a log line. Every message an
// exporter produces goes through a Redactor that knows the secrets of that exporter and replaces
// them, in the forms they can take on the wire (raw, base64 of user:password, URL-encoded), and
// also strips credentials from any URL it finds.

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*(?::[^/\s@]*)?@/gi;
const AUTH_HEADER = /\b(authorization|dd-api-key|x-api-key)(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic)\s+)?[^\s"',;]+/gi;

export const REDACTED = '[redacted]';

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export class Redactor {
  private readonly secrets: string[] = [];

  constructor(secrets: ReadonlyArray<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Registers a secret; short values (under 4 characters) are still redacted, but only as whole words. */
  add(secret: string | undefined): void {
    if (!secret) return;
    const forms = new Set([secret, encodeURIComponent(secret), base64(secret)]);
    for (const f of forms) if (!this.secrets.includes(f)) this.secrets.push(f);
    // Longest first, so that a secret containing another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** Registers user:password in the form basic auth sends it. */
  addBasic(user: string | undefined, password: string | undefined): void {
    if (password === undefined) return;
    this.add(password);
    this.add(base64(`${user ?? ''}:${password}`));
  }

  redact(text: string): string {
    let out = text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(AUTH_HEADER, `$1$2${REDACTED}`);
    for (const s of this.secrets) {
      if (s.length < 4) out = out.replace(new RegExp(`\\b${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), REDACTED);
      else out = out.split(s).join(REDACTED);
    }
    return out;
  }
}

/** A URL without its username and password, for messages. */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return String(url).replace(URL_USERINFO, `$1${REDACTED}@`);
  }
}
