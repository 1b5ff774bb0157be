/**
 * TLS as the adapters report it: a certificate or handshake error says it is TLS and what
 * to pass; and a rediss:// client pointed at Redis's plain-text port (where the TLS
 * handshake never completes: Redis waits for a newline the ClientHello does not have, until
 * the client's connect timeout) is found out at once by a plain-text PING on a connection of
 * its own, so that calls fail fast with an error that says so instead of timing out.
 */
import { connect } from 'node:net'

/** How long a TLS client may be connecting before the port is probed for plain text. */
export const TLS_PROBE_AFTER_MS = 250

/** Node's and OpenSSL's codes of a TLS failure (certificates, handshake, protocol). */
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_)|CERT|^(EPROTO|HOSTNAME_MISMATCH)$/

/** A hint for a TLS error, or undefined when the error is not TLS's. `tls`: the client connects with TLS. */
export function tlsHint(error: unknown, tls: boolean): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (tls && (code === 'ECONNRESET' || code === 'EPIPE')) {
    return `TLS: the server closed the connection during the TLS handshake (${code}): with tls-auth-clients on, Redis needs a client certificate it trusts (\`cert\` and \`key\`)`
  }
  if (typeof code !== 'string' || !TLS_CODES.test(code)) return undefined
  if (/CERT|HOSTNAME|ALTNAME/.test(code) && !/REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA/.test(code)) {
    return `TLS: the server's certificate is not trusted (${code}): pass the CA that signed it (ioredis \`tls: { ca }\`, node-redis \`socket: { ca }\`), and connect by a name or address the certificate lists`
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER/.test(code)) {
    return `TLS: the handshake failed (${code}): the port may not speak TLS (a rediss:// URL needs Redis's tls-port)`
  }
  return `TLS: the handshake failed (${code}): with tls-auth-clients on, Redis needs a client certificate it trusts (\`cert\` and \`key\`)`
}

/** A failure while connecting, worded with its TLS hint when it has one. */
export function tlsWorded(message: string, error: unknown, tls: boolean): string {
  const hint = tlsHint(error, tls)
  return hint ? `${hint}; ${message}` : message
}

/**
 * Whether host:port answers a plain-text PING with a RESP reply ('+PONG', '-NOAUTH ...',
 * '-ERR ...'): a Redis port without TLS. Resolves false on anything else, or after `ms`.
 */
export function answersPlainText(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host)
    const done = (plain: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(plain)
    }
    const timer = setTimeout(() => done(false), ms)
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data: Buffer) => done(data[0] === 0x2b || data[0] === 0x2d))
  })
}

/**
 * Races a TLS client's wait for readiness with a probe of its port: when the client is
 * still connecting after TLS_PROBE_AFTER_MS and the port answers plain text, the wait
 * rejects with an error that says so. `target` undefined: not a TLS client, the wait as it is.
 */
export function probingTls(wait: Promise<void>, target: { host: string; port: number } | undefined, address: string): Promise<void> {
  if (!target) return wait
  return new Promise<void>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      answersPlainText(target.host, target.port, 1000).then((plain) => {
        if (!plain || settled) return
        settled = true
        reject(
          new Error(
            `TLS: ${address} answers in plain text, so the TLS handshake cannot complete: a rediss:// URL (or tls option) needs Redis's tls-port, or use redis:// for this port (nothing was sent)`,
          ),
        )
      })
    }, TLS_PROBE_AFTER_MS)
    wait.then(
      () => {
        settled = true
        clearTimeout(timer)
        resolve()
      },
      (error: unknown) => {
        settled = true
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
