/**
 * What a request's get() learned of its session's expiry, for its touch() at the end of the
 * same request: express-session reads a session, then touches it, so a touch that would move
 * the expiry by less than the touch interval is known to be unneeded without asking Redis.
 * Expiries are kept on this process's clock (read as PTTL, a duration, so a clock that differs
 * from the server's does not skew them) and forgotten once used; the map is bounded, oldest
 * out first, so reads never followed by a touch cannot grow it.
 */
export const KNOWN_EXPIRIES = 10_000

export class KnownExpiries {
  readonly #expiries = new Map<string, number>()

  /** A read found the session with `pttl` ms to live (-1: none). */
  learn(sid: string, pttl: number): void {
    if (pttl < -1) return
    const expiries = this.#expiries
    expiries.delete(sid) // re-inserted last: the map's order is the order of learning
    if (expiries.size >= KNOWN_EXPIRIES) expiries.delete(expiries.keys().next().value as string)
    expiries.set(sid, pttl === -1 ? Infinity : Date.now() + pttl)
  }

  /** The expiry learned for the session (epoch ms on this clock, Infinity for none), forgotten as it is answered. */
  take(sid: string): number | undefined {
    const expiry = this.#expiries.get(sid)
    if (expiry !== undefined) this.#expiries.delete(sid)
    return expiry
  }

  /** The session was written or removed: what was learned of it no longer holds. */
  forget(sid: string): void {
    this.#expiries.delete(sid)
  }

  get size(): number {
    return this.#expiries.size
  }
}

/** Whether a session expiring at `expiry` would move by less than `interval` ms if it got `ttl` ms from now. */
export function withinInterval(expiry: number, ttl: number, interval: number): boolean {
  if (interval <= 0) return false
  if (ttl === Infinity || expiry === Infinity) return ttl === expiry
  return Math.abs(Date.now() + ttl - expiry) < interval
}
