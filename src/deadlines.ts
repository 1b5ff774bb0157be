/**
 * Deadlines of calls on one timer. The calls of a store share one timeout, so their deadlines
 * fall in the order the calls start: a queue in that order, with one timer armed for the
 * oldest, does what a setTimeout and a clearTimeout per call did, at a fraction of the cost
 * (the per-request path makes tens of thousands of calls a second). The timer keeps the
 * process alive only while a deadline is pending, as a timer per call did. Settled entries
 * leave from the front; behind one call that is never answered (a stalled cluster node), the
 * queue holds the calls of at most one timeout, until that call's deadline runs.
 */
export interface Deadline {
  readonly at: number
  /** Runs when the deadline passes; cleared by cancel(). */
  expire: (() => void) | undefined
}

/** Past this many settled entries at its front, the queue is compacted. */
const COMPACT_AFTER = 1024

export class Deadlines {
  #queue: Deadline[] = []
  #head = 0
  #timer: NodeJS.Timeout | undefined

  constructor(
    /** Every deadline of this queue is this many ms after it starts. */
    readonly ms: number,
  ) {}

  /** Runs `expire` once `ms` have passed, unless the deadline is cancelled first. */
  start(expire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + this.ms, expire }
    this.#queue.push(deadline)
    if (this.#timer === undefined) this.#arm(this.ms)
    else if (this.#head === this.#queue.length - 1) this.#timer.ref() // the queue was empty: keep the process alive again
    return deadline
  }

  /** The call settled: its deadline no longer runs. */
  cancel(deadline: Deadline): void {
    deadline.expire = undefined
    const queue = this.#queue
    while (this.#head < queue.length && (queue[this.#head] as Deadline).expire === undefined) this.#head++
    if (this.#head === queue.length) {
      this.#queue = []
      this.#head = 0
      this.#timer?.unref() // armed still, but nothing waits on it
    } else if (this.#head > COMPACT_AFTER && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head)
      this.#head = 0
    }
  }

  /** How many entries the queue holds, settled ones at its front included (for the tests). */
  get held(): number {
    return this.#queue.length - this.#head
  }

  /** How many deadlines are pending (for the tests). */
  get pending(): number {
    let n = 0
    for (let i = this.#head; i < this.#queue.length; i++) if ((this.#queue[i] as Deadline).expire) n++
    return n
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, ms))
  }

  #fire(): void {
    this.#timer = undefined
    const now = performance.now()
    const queue = this.#queue
    // A timer may fire a little early by performance.now(): a deadline within 1 ms is due.
    while (this.#head < queue.length && (queue[this.#head] as Deadline).at <= now + 1) {
      const deadline = queue[this.#head++] as Deadline
      const expire = deadline.expire
      deadline.expire = undefined
      expire?.()
    }
    while (this.#head < queue.length && (queue[this.#head] as Deadline).expire === undefined) this.#head++
    if (this.#head === queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#timer === undefined) {
      this.#arm((queue[this.#head] as Deadline).at - now)
    }
  }
}
