/**
 * Redis URLs in what the library and the CLI print: the credentials of a URL
 * (`redis://user:password@host`, `?password=...`) never reach a message, a log or a screen.
 */

const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi
const QUERY_SECRET = /([?&](?:password|pass|auth|secret|token)=)[^&#\s]*/gi

/**
 * The text with the credentials of every URL in it replaced by `***`: a URL's password
 * (its user name stays), a lone user part (which Redis clients may take for a password),
 * and password-like query parameters.
 */
export function redact(text: string): string {
  return text
    .replace(CREDENTIALS, (_, scheme: string, auth: string) => {
      const colon = auth.indexOf(':')
      return `${scheme}${colon === -1 ? '***' : `${auth.slice(0, colon)}:***`}@`
    })
    .replace(QUERY_SECRET, '$1***')
}
