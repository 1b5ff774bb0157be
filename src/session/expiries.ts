/**
 * What a request's get() learned of its session, for the touch() or set() at the end of the
 * same request: express-session reads a session, then touches it (or saves it when it
 * changed), so a touch that would move the expiry by less than the touch interval is known to
 * be unneeded without asking Redis, and a save of the same user within it can keep the expiry
 * and index entries (lua/session/resave.lua). Expiries are kept on this process's clock (read
 * as PTTL, a duration, so a clock that differs from the server's does not skew them) and
 * forgotten once used; the map is bounded, oldest out first, so reads never followed by a
 * touch cannot grow it.
 */
export const KNOWN_EXPIRIES = 10_000

export interface Known {
  /** Epoch ms on this clock; Infinity for none. */
  expiry: number
  /** The stored session's owner (its user's encoded part), null for none. */
  owner: string | null
}

export class KnownExpiries {
  readonly #known = new Map<string, Known>()

  /** A read found the session with `pttl` ms to live (-1: none), stored with `owner`. */
  learn(sid: string, pttl: number, owner: string | null): void {
    if (pttl < -1) return
    const known = this.#known
    known.delete(sid) // re-inserted last: the map's order is the order of learning
    if (known.size >= KNOWN_EXPIRIES) known.delete(known.keys().next().value as string)
    known.set(sid, { expiry: pttl === -1 ? Infinity : Date.now() + pttl, owner })
  }

  /** What was learned of the session, forgotten as it is answered. */
  take(sid: string): Known | undefined {
    const known = this.#known.get(sid)
    if (known !== undefined) this.#known.delete(sid)
    return known
  }

  /** The session was written or removed: what was learned of it no longer holds. */
  forget(sid: string): void {
    this.#known.delete(sid)
  }

  get size(): number {
    return this.#known.size
  }
}

/** Whether a session expiring at `expiry` would move by less than `interval` ms if it got `ttl` ms from now. */
export function withinInterval(expiry: number, ttl: number, interval: number): boolean {
  if (interval <= 0) return false
  if (ttl === Infinity || expiry === Infinity) return ttl === expiry
  return Math.abs(Date.now() + ttl - expiry) < interval
}
