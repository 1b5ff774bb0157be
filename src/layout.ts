/**
 * The key layout in Redis. This is a storage format: data written by one release must be
 * read by the next, so it does not change.
 *
 *   {ns}:p1:p2:...:pn        the value of the record with parts p1..pn (a string)
 *   {ns}:p1:...:pk:#         the index of prefix p1..pk (a sorted set), 1 <= k < n
 *   {ns}:#                   the index of the empty prefix: every record of the namespace
 *   {ns}:p1:...:pk:#name     a set an integration keeps (a sorted set; `name` is a word): not a
 *                            record and not an index, so verify, listing and expiry events pass
 *                            it by (the session store's sets of a user's sessions, session/records.ts)
 *
 * `{ns}` is the namespace as a Redis Cluster hash tag, so every key of a namespace lives in
 * one hash slot. With `buckets` > 1 the namespace is split into buckets, and bucket b's
 * keys carry the tag `{ns#b}` instead (buckets.ts): one slot a bucket. The namespace may
 * not contain `#`, so no tag of one namespace is the tag of another. Parts are written by
 * parts.ts and never contain `:`, and no part is written `#`, so a value key is never
 * taken for an index key. A member of the index of p1..pk is
 * the rest of the key, p(k+1):...:pn, scored with the record's expiry in epoch milliseconds
 * (+inf for a record that never expires). The value key of a member is therefore the index
 * key without its final `#`, followed by the member. No part is written starting with `#`
 * either (parts.ts escapes it), so a key whose last segment is `#` followed by a name was
 * never a record's or an index's: the form of integration sets, added without changing what
 * any stored key means.
 */
import { hasLoneSurrogate } from './parts.js'

/** Checks a namespace and returns the start every key of it shares: `{ns}:`. */
export function namespaceBase(namespace: unknown): string {
  if (typeof namespace !== 'string') throw new TypeError(`options.namespace must be a string, got ${typeof namespace}`)
  if (namespace === '') throw new TypeError('options.namespace must not be empty')
  if (/[{}#]/.test(namespace)) {
    throw new TypeError(`options.namespace must not contain '{', '}' or '#' (it is used in a Redis Cluster hash tag), got ${JSON.stringify(namespace)}`)
  }
  if (hasLoneSurrogate(namespace)) throw new TypeError('options.namespace contains a lone UTF-16 surrogate')
  return `{${namespace}}:`
}

/** The start of every key of one bucket: `{ns}:` when there is one bucket, else `{ns#b}:`. */
export function bucketBase(namespace: string, bucket: number, buckets: number): string {
  const base = namespaceBase(namespace)
  return buckets === 1 ? base : `{${namespace}#${bucket}}:`
}

/** Text matched literally in a SCAN MATCH glob: `*`, `?`, `[`, `]` and `\` escaped. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/** The part of a key before its parts: `{ns}:` or `{ns#b}:` (its hash tag and the colon). */
export function baseOfKey(key: string): string {
  return key.slice(0, key.indexOf('}:') + 2)
}

/** The Redis keys a record touches: its value key and the index key of each proper prefix. */
export interface RecordKeys {
  readonly value: string
  /** Index keys of the prefixes of length 0 .. n-1, shortest first. */
  readonly indexes: string[]
}

export function recordKeys(base: string, parts: readonly string[]): RecordKeys {
  const indexes = [`${base}#`]
  let path = base
  const last = parts.length - 1
  for (let i = 0; i < last; i++) {
    path += `${parts[i]}:`
    indexes.push(`${path}#`)
  }
  return { value: path + parts[last], indexes }
}

export function valueKey(base: string, parts: readonly string[]): string {
  // Concatenated, not parts.join(':'): join is the dearer of the two for the few short parts of a key (the per-request path).
  let key = base + (parts[0] as string)
  for (let i = 1; i < parts.length; i++) key += `:${parts[i]}`
  return key
}

/** The index key of a prefix (the empty prefix included). */
export function indexKey(base: string, prefix: readonly string[]): string {
  return prefix.length === 0 ? `${base}#` : `${base}${prefix.join(':')}:#`
}

/** What a key of a namespace is, by its form (the layout above): an index, an integration's set, or a record's value. */
export function kindOfKey(key: string): 'index' | 'set' | 'value' {
  if (key.endsWith(':#')) return 'index'
  const last = key.lastIndexOf(':')
  return key.charCodeAt(last + 1) === 35 /* # */ ? 'set' : 'value'
}
