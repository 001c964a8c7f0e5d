/** The fewest bits a secret's symbols may carry (`estimatedEntropyBits`) for Berth to start. */
export const MIN_SECRET_BITS = 32;

/**
 * What a value's symbols (characters, or the bytes of a key) carry by their own frequencies: its
 * length times the Shannon entropy of its symbol distribution. One symbol repeated carries 0 bits,
 * two alternating 1 bit a symbol; a random value comes near its length times log2 of its
 * alphabet (16 random digits about 45 bits, 32 random hex digits about 115, 32 random bytes about
 * 155). It sees no structure beyond frequencies (a counting sequence, a word): it refuses values
 * that are plainly not random, and a random one of the shortest documented length only when it is
 * numeric and unlucky (about one in 3,000 sixteen-digit numbers).
 */
export function estimatedEntropyBits(value: string | Uint8Array): number {
  const symbols: ArrayLike<string | number> = typeof value === 'string' ? [...value] : value;
  const counts = new Map<string | number, number>();
  for (let i = 0; i < symbols.length; i++) {
    counts.set(symbols[i], (counts.get(symbols[i]) ?? 0) + 1);
  }
  let bitsPerSymbol = 0;
  for (const count of counts.values()) {
    const p = count / symbols.length;
    bitsPerSymbol -= p * Math.log2(p);
  }
  return bitsPerSymbol * symbols.length;
}
