/**
 * The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag (the text between the
 * first `{` and the first `}` after it, when not empty), else of the whole key, modulo
 * 16384, as the cluster specification defines it. Every key of the store carries a tag
 * (`{ns}` or `{ns#b}`), so the slots of a store's keys are few: they are kept.
 */
const TABLE = new Uint16Array(256)
for (let i = 0; i < 256; i++) {
  let crc = i << 8
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1
  TABLE[i] = crc & 0xffff
}

function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] as number)
  return crc
}

/** The part of a key that chooses its slot. */
function hashed(key: string): string {
  const open = key.indexOf('{')
  if (open === -1) return key
  const close = key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : key
}

const known = new Map<string, number>()
const KEPT = 4096

export function keySlot(key: string): number {
  const tag = hashed(key)
  let slot = known.get(tag)
  if (slot === undefined) {
    slot = crc16(Buffer.from(tag)) % 16384
    if (known.size >= KEPT) known.clear()
    known.set(tag, slot)
  }
  return slot
}
