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
