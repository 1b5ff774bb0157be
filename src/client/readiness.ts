/**
 * Waiting for a client to be ready, shared by the adapters: resolves on its ready event;
 * rejects on the first error it reports (as `failure` words it) or when it ends. Every
 * listener added here is removed once the wait settles: a client passed in keeps only its own.
 */
type Listener = (...args: unknown[]) => void

interface Emitter {
  on(event: string, listener: Listener): unknown
  off(event: string, listener: Listener): unknown
}

/** `settled` runs as soon as the wait settles, before its promise's reactions (a later wait starts afresh). */
export function waitUntilReady(
  client: Emitter,
  readyEvent: string,
  failure: (error: unknown) => Error,
  ended: string,
  settled: () => void,
  /** Whether an error ends the wait (a cluster client that tries its seed nodes in turn reports each failure, and goes on). */
  fatal: (error: unknown) => boolean = () => true,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      client.off(readyEvent, onReady)
      client.off('end', onEnd)
      client.off('error', onError)
      settled()
      if (error) reject(error)
      else resolve()
    }
    const onReady = () => settle()
    const onEnd = () => settle(new Error(ended))
    const onError = (error: unknown) => {
      if (fatal(error)) settle(failure(error))
    }
    client.on(readyEvent, onReady)
    client.on('end', onEnd)
    client.on('error', onError)
  })
}
