/**
 * A fault-injecting TCP proxy for the tests: it stands between a client and a real
 * redis-server and, on command, misbehaves the ways networks do.
 *
 * - 'pass': bytes flow both ways.
 * - 'stall': commands reach Redis, its replies are held (a stalled path back); healing
 *   delivers them late.
 * - 'blackhole': nothing flows either way, on connections old and new (a partition); the
 *   client's TCP connect still succeeds. Bytes are held, as TCP would retransmit them, and
 *   flow once healed.
 * - 'drop': the next reply is cut halfway and both sockets are destroyed (a connection lost
 *   mid-reply); new connections pass.
 * - 'drip': replies arrive one byte every `dripMs`.
 * - 'refuse': the port stops listening (connections are refused) and open ones are reset.
 */
import { createServer, type Server, type Socket, connect } from 'node:net'

export type FaultMode = 'pass' | 'stall' | 'blackhole' | 'drop' | 'drip' | 'refuse'

interface Pair {
  client: Socket
  server: Socket
  /** Bytes held back: towards Redis, and towards the client. */
  up: Buffer[]
  down: Buffer[]
  dripping: boolean
}

export class FaultProxy {
  #mode: FaultMode = 'pass'
  #server: Server
  readonly #pairs = new Set<Pair>()
  /** Milliseconds between two bytes in 'drip'. */
  dripMs = 150
  /** Connections accepted so far. */
  accepted = 0

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    server: Server,
  ) {
    this.#server = server
  }

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const proxy = new FaultProxy(port, target, server)
    server.on('connection', (socket) => proxy.#accept(socket))
    return proxy
  }

  get mode(): FaultMode {
    return this.#mode
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.#pairs.size
  }

  async set(mode: FaultMode): Promise<void> {
    const was = this.#mode
    this.#mode = mode
    if (mode === 'refuse') {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
      for (const pair of this.#pairs) this.#reset(pair)
      return closed
    }
    if (was === 'refuse') {
      const server = createServer()
      server.on('connection', (socket) => this.#accept(socket))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.port, '127.0.0.1', () => resolve())
      })
      this.#server = server
    }
    for (const pair of this.#pairs) this.#flow(pair)
  }

  /** Resets every open connection (the client reconnects, into whatever the mode is). */
  resetAll(): void {
    for (const pair of this.#pairs) this.#reset(pair)
  }

  /** Back to 'pass': held bytes flow. */
  heal(): Promise<void> {
    return this.set('pass')
  }

  async close(): Promise<void> {
    const closed = this.#mode === 'refuse' ? undefined : new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const pair of this.#pairs) this.#reset(pair)
    await closed
    this.#mode = 'refuse'
  }

  #accept(client: Socket): void {
    this.accepted++
    if (this.#mode === 'refuse') {
      client.destroy()
      return
    }
    const server = connect(this.target.port, this.target.host)
    const pair: Pair = { client, server, up: [], down: [], dripping: false }
    this.#pairs.add(pair)
    client.setNoDelay(true)
    server.setNoDelay(true)
    const end = () => this.#reset(pair)
    client.on('error', end).on('close', end)
    server.on('error', end).on('close', end)
    client.on('data', (chunk: Buffer) => {
      pair.up.push(chunk)
      this.#flow(pair)
    })
    server.on('data', (chunk: Buffer) => {
      pair.down.push(chunk)
      this.#flow(pair)
    })
  }

  /** Moves what the mode lets through. */
  #flow(pair: Pair): void {
    const mode = this.#mode
    if (mode === 'blackhole' || mode === 'refuse') return
    for (const chunk of pair.up.splice(0)) pair.server.write(chunk)
    if (mode === 'stall') return
    if (mode === 'drop') {
      const chunk = Buffer.concat(pair.down.splice(0))
      if (chunk.length === 0) return
      pair.client.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)), () => this.#reset(pair))
      this.#mode = 'pass'
      return
    }
    if (mode === 'drip') this.#drip(pair)
    else for (const chunk of pair.down.splice(0)) pair.client.write(chunk)
  }

  #drip(pair: Pair): void {
    if (pair.dripping) return
    pair.dripping = true
    const step = () => {
      const chunk = pair.down[0]
      if (!chunk || !this.#pairs.has(pair)) {
        pair.dripping = false
        return
      }
      if (this.#mode !== 'drip') {
        pair.dripping = false
        this.#flow(pair)
        return
      }
      pair.client.write(chunk.subarray(0, 1))
      if (chunk.length > 1) pair.down[0] = chunk.subarray(1)
      else pair.down.shift()
      setTimeout(step, this.dripMs)
    }
    step()
  }

  #reset(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return
    pair.client.destroy()
    pair.server.destroy()
  }
}
