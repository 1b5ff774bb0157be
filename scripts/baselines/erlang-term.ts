/**
 * The seed's key-part encoding: `:erlang.term_to_binary/1` then `Base.url_encode64(padding: false)`,
 * and back, for the parts the benchmark and tests use. A JavaScript string is an Elixir
 * binary, an integer an Erlang integer, a float a float, true/false/null the atoms
 * true/false/nil. Other parts (Dates, objects) are written as the binary of their superjson
 * text: the seed has no such parts, and they only need to round-trip here.
 * Part of the seed baseline, not of the library.
 */
import superjson from 'superjson'

const VERSION = 131

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8')
}

function binaryTerm(bytes: Buffer): Buffer {
  const head = Buffer.alloc(6)
  head[0] = VERSION
  head[1] = 109 // BINARY_EXT
  head.writeUInt32BE(bytes.length, 2)
  return Buffer.concat([head, bytes])
}

function atomTerm(name: string): Buffer {
  const bytes = utf8(name)
  return Buffer.concat([Buffer.from([VERSION, 119, bytes.length]), bytes]) // SMALL_ATOM_UTF8_EXT
}

function integerTerm(value: bigint): Buffer {
  if (value >= 0n && value <= 255n) return Buffer.from([VERSION, 97, Number(value)]) // SMALL_INTEGER_EXT
  if (value >= -(2n ** 31n) && value < 2n ** 31n) {
    const out = Buffer.alloc(6)
    out[0] = VERSION
    out[1] = 98 // INTEGER_EXT
    out.writeInt32BE(Number(value), 2)
    return out
  }
  const digits: number[] = []
  for (let rest = value < 0n ? -value : value; rest > 0n; rest >>= 8n) digits.push(Number(rest & 255n))
  return Buffer.from([VERSION, 110, digits.length, value < 0n ? 1 : 0, ...digits]) // SMALL_BIG_EXT
}

export function termToBinary(part: unknown): Buffer {
  switch (typeof part) {
    case 'string':
      return binaryTerm(utf8(part))
    case 'bigint':
      return integerTerm(part)
    case 'number':
      if (Number.isInteger(part)) return integerTerm(BigInt(part))
      {
        const out = Buffer.alloc(10)
        out[0] = VERSION
        out[1] = 70 // NEW_FLOAT_EXT
        out.writeDoubleBE(part, 2)
        return out
      }
    case 'boolean':
      return atomTerm(String(part))
    default:
      if (part === null) return atomTerm('nil')
      return binaryTerm(utf8(`\0superjson:${superjson.stringify(part)}`))
  }
}

export function binaryToTerm(bytes: Buffer): unknown {
  if (bytes[0] !== VERSION) throw new Error('not an external term')
  switch (bytes[1]) {
    case 109: {
      const text = bytes.subarray(6, 6 + bytes.readUInt32BE(2)).toString('utf8')
      return text.startsWith('\0superjson:') ? superjson.parse(text.slice(11)) : text
    }
    case 97:
      return bytes[2]
    case 98:
      return bytes.readInt32BE(2)
    case 110: {
      const n = bytes[2] as number
      let value = 0n
      for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[4 + i] as number)
      if (bytes[3] === 1) value = -value
      return Number.isSafeInteger(Number(value)) ? Number(value) : value
    }
    case 70:
      return bytes.readDoubleBE(2)
    case 119: {
      const name = bytes.subarray(3, 3 + (bytes[2] as number)).toString('utf8')
      return name === 'nil' ? null : name === 'true' ? true : name === 'false' ? false : name
    }
    default:
      throw new Error(`unsupported external term tag ${bytes[1]}`)
  }
}

/** One key part as the seed writes it into a Redis key. */
export function encodeSeedPart(part: unknown): string {
  return termToBinary(part).toString('base64url')
}

export function decodeSeedPart(encoded: string): unknown {
  return binaryToTerm(Buffer.from(encoded, 'base64url'))
}
