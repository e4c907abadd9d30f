// Message signatures (messaging spec, "The wire protocol"): HMAC over the header, parent_header, metadata
// and content frames, hex-encoded. An empty key means authentication is off: the signature is "".
import * as crypto from "node:crypto";

export class Signer {
  private readonly digest: string;

  constructor(private readonly key: string, scheme = "hmac-sha256") {
    if (!scheme.startsWith("hmac-")) throw new Error(`signature_scheme ${JSON.stringify(scheme)}: only hmac-<digest> is defined by the spec`);
    this.digest = scheme.slice("hmac-".length);
    if (!crypto.getHashes().includes(this.digest)) throw new Error(`signature_scheme ${JSON.stringify(scheme)}: node:crypto has no digest "${this.digest}"`);
  }

  get enabled(): boolean {
    return this.key !== "";
  }

  /** Hex HMAC of the four signed frames, "" when signing is off. */
  sign(frames: readonly Buffer[]): string {
    if (!this.enabled) return "";
    const hmac = crypto.createHmac(this.digest, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /**
   * True when `signature` is the HMAC of `frames`. The comparison takes the same time wherever the first
   * differing byte is (crypto.timingSafeEqual), so a forger learns nothing from how fast we refuse.
   */
  verify(signature: Buffer, frames: readonly Buffer[]): boolean {
    if (!this.enabled) return true;
    const expected = Buffer.from(this.sign(frames), "ascii");
    // Lengths are public (always the digest's hex length); only equal-length buffers can be compared.
    return signature.length === expected.length && crypto.timingSafeEqual(signature, expected);
  }
}

/**
 * Signatures already seen (jupyter_client's Session.digest_history): a message sent again byte for byte
 * by someone who captured it is refused, since its valid signature proves nothing the second time. Holds
 * the last `size` signatures (jupyter_client keeps 2**16 too).
 */
export class DigestHistory {
  private readonly seen = new Set<string>();

  constructor(private readonly size = 1 << 16) {}

  /** Records `signature`; false when it was already there. */
  add(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.size) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}
