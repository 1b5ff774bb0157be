/**
 * The client seam (client.ts) on node-redis's Sentinel client (`createSentinel()`, redis 5
 * and 6): every command goes to the master the sentinels name (`sendCommand(false, ...)`),
 * scripts as EVALSHA with one EVAL after NOSCRIPT (a promoted replica may not have them), and
 * expiry events through the sentinel client's own pub/sub, which node-redis moves to the new
 * master after a failover. node-redis reports no 'ready' event for it: a call made while it
 * connects waits, polling, within the call's timeout.
 */
import type { Script } from '../scripts.js'
import { redact } from '../urls.js'
import type { Arg, ClientNode, RedisClient, Subscriber } from './client.js'
import { flatReply, NodeRedisCommon, type NodeRedisSentinelLike, OWN_DEADLINE, scriptCommands } from './node-redis.js'

const adapters = new WeakMap<object, NodeRedisSentinelAdapter>()

export function nodeRedisSentinelAdapter(native: NodeRedisSentinelLike): NodeRedisSentinelAdapter {
  let adapter = adapters.get(native)
  if (!adapter) adapters.set(native, (adapter = new NodeRedisSentinelAdapter(native)))
  return adapter
}

/** How often a call made while the sentinel client connects looks again. */
const POLL_MS = 20

class NodeRedisSentinelAdapter extends NodeRedisCommon<NodeRedisSentinelLike> implements RedisClient {
  readonly isCluster = false
  #waiting: Promise<void> | undefined

  address(): string {
    const master = this.native.getMasterNode()
    return master ? `${master.host}:${master.port} (the master its sentinels name)` : 'the master its sentinels name'
  }

  state(): string {
    if (!this.native.isOpen) return 'closed'
    return this.native.isReady ? 'ready' : 'connecting'
  }

  ready(): boolean {
    return this.native.isReady
  }

  /** Changes when the sentinels name another master (the eviction policy is read again there). */
  readyCount(): number {
    const master = this.native.getMasterNode()
    return master ? master.port * 31 + master.host.length : 0
  }

  whenReady(): Promise<void> {
    if (this.native.isReady) return Promise.resolve()
    if (!this.native.isOpen) {
      return Promise.reject(new Error('The node-redis sentinel client is not open: it has been closed, or connect() was never called (nothing was sent)'))
    }
    this.#waiting ??= new Promise<void>((resolve, reject) => {
      let failure: Error | undefined
      const onError = (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        failure = new Error(`${redact(message)} (while connecting through the sentinels; nothing was sent)`, { cause: error })
      }
      this.native.on('error', onError)
      const look = () => {
        if (this.native.isReady || !this.native.isOpen || failure) {
          this.native.off('error', onError)
          this.#waiting = undefined
          if (this.native.isReady) resolve()
          else reject(failure ?? new Error('The node-redis sentinel client is closed (nothing was sent)'))
          return
        }
        setTimeout(look, POLL_MS).unref()
      }
      look()
    })
    this.#waiting.catch(() => undefined)
    return this.#waiting
  }

  onTopologyChange(listener: () => void): () => void {
    this.native.on('topology-change', listener)
    return () => this.native.off('topology-change', listener)
  }

  /** Scripts go to the master (a read-only variant too: EVALSHA_RO, which it runs as well). */
  async script(script: Script, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args.map(String)]
    const { sha, source } = scriptCommands(script)
    try {
      return await this.native.sendCommand(false, [...sha, ...tail], OWN_DEADLINE)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return this.native.sendCommand(false, [...source, ...tail], OWN_DEADLINE)
    }
  }

  /** The sentinel client's commands go to the master. */
  readsReplicas(): boolean {
    return false
  }

  get(key: string): Promise<string | null> {
    return this.native.sendCommand(false, ['GET', key], OWN_DEADLINE) as Promise<string | null>
  }

  mget(keys: readonly string[]): Promise<Array<string | null>> {
    return this.native.sendCommand(false, ['MGET', ...keys], OWN_DEADLINE) as Promise<Array<string | null>>
  }

  exists(key: string): Promise<number> {
    return this.native.sendCommand(false, ['EXISTS', key], OWN_DEADLINE) as Promise<number>
  }

  pttl(key: string): Promise<number> {
    return this.native.sendCommand(false, ['PTTL', key], OWN_DEADLINE) as Promise<number>
  }

  command(name: string, ...args: Arg[]): Promise<unknown> {
    return this.native.sendCommand(false, [name, ...args.map(String)], OWN_DEADLINE)
  }

  async replicated(_key: string, replicas: number, timeout: number): Promise<number> {
    return Number(await this.native.sendCommand(false, ['WAIT', String(replicas), String(timeout)], OWN_DEADLINE))
  }

  /** The master: its commands, and a subscriber on the sentinel client's pub/sub (which follows failovers). */
  /** One master at a time: one connection. */
  connectionOf(): string {
    return ''
  }

  masters(): ClientNode[] {
    const native = this.native
    return [
      {
        id: this.address(),
        db: 0,
        live: () => true,
        command: async (name, ...args) => flatReply(await native.sendCommand(false, [name, ...args.map(String)], OWN_DEADLINE)),
        subscriber: (onMessage) => sentinelSubscriber(native, onMessage),
      },
    ]
  }

  coalesce(): void {
    // node-redis writes the commands of one tick in one go already.
  }

  stalled(): void {
    // node-redis's sentinel client follows the sentinels' announcements itself.
  }
}

function sentinelSubscriber(native: NodeRedisSentinelLike, onMessage: (channel: string, message: string) => void): Subscriber {
  const listener = (message: string, channel: string) => onMessage(channel, message)
  let channels: string[] = []
  const end = async () => {
    const these = channels
    channels = []
    if (these.length > 0 && native.isOpen) await native.unsubscribe(these, listener).catch(() => undefined)
  }
  return {
    subscribe: async (...names) => {
      channels.push(...names)
      await native.subscribe(names, listener)
    },
    close: end,
    drop: () => void end(),
  }
}
