// A Jupyter message and its wire form (messaging spec 5.3, "The wire protocol"):
//
//   [identities…, "<IDS|MSG>", HMAC, header, parent_header, metadata, content, buffers…]
//
// decode() turns received frames into a Message or throws a ProtocolError saying which frame is wrong;
// encode() is its inverse. Signatures are checked here, before any JSON is parsed: a message with a bad
// signature is never looked into, let alone acted on.
import type { DigestHistory, Signer } from "./signature";

export const DELIMITER = "<IDS|MSG>";
export const PROTOCOL_VERSION = "5.3";

export type JsonObject = { [key: string]: unknown };

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  /** ISO 8601 with a time zone. */
  date: string;
  msg_type: string;
  version: string;
}

export interface Message<Content = JsonObject> {
  /** zeromq routing frames before the delimiter (ROUTER peers), or the topic of an iopub message. */
  identities: Buffer[];
  header: Header;
  /** The header of the request this message answers; {} for a message that answers nothing. */
  parent_header: Header | Record<string, never>;
  metadata: JsonObject;
  content: Content;
  buffers: Buffer[];
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

const DELIMITER_BYTES = Buffer.from(DELIMITER, "ascii");
const PARTS = ["header", "parent_header", "metadata", "content"] as const;

function parseObject(frame: Buffer, part: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch (e) {
    throw new ProtocolError(`${part} frame is not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ProtocolError(`${part} frame is not a JSON object`);
  return value as JsonObject;
}

function checkHeader(raw: JsonObject): Header {
  for (const field of ["msg_id", "msg_type"] as const) {
    if (typeof raw[field] !== "string" || raw[field] === "") throw new ProtocolError(`header.${field} must be a non-empty string`);
  }
  // Older clients omit some fields; default them rather than refuse a message we can answer.
  return {
    msg_id: raw.msg_id as string,
    msg_type: raw.msg_type as string,
    session: typeof raw.session === "string" ? raw.session : "",
    username: typeof raw.username === "string" ? raw.username : "",
    date: typeof raw.date === "string" ? raw.date : "",
    version: typeof raw.version === "string" ? raw.version : PROTOCOL_VERSION,
  };
}

/** `history`, when given, refuses a signature seen before (a replayed message). */
export function decode(frames: readonly Buffer[], signer: Signer, history?: DigestHistory): Message {
  const at = frames.findIndex((frame) => frame.equals(DELIMITER_BYTES));
  if (at < 0) throw new ProtocolError(`no ${DELIMITER} delimiter among ${frames.length} frames`);
  if (frames.length < at + 6) throw new ProtocolError(`${frames.length - at - 1} frames after the delimiter, expected at least 5 (signature, header, parent_header, metadata, content)`);
  const signed = frames.slice(at + 2, at + 6);
  if (!signer.verify(frames[at + 1], signed)) {
    throw new ProtocolError(frames[at + 1].length === 0 ? "missing signature" : "invalid signature");
  }
  if (signer.enabled && history !== undefined && !history.add(frames[at + 1].toString("ascii"))) {
    throw new ProtocolError("duplicate signature: a replayed message");
  }
  const [header, parent, metadata, content] = signed.map((frame, i) => parseObject(frame, PARTS[i]));
  return {
    identities: frames.slice(0, at).map((frame) => Buffer.from(frame)),
    header: checkHeader(header),
    parent_header: Object.keys(parent).length === 0 ? {} : (parent as unknown as Header),
    metadata,
    content,
    buffers: frames.slice(at + 6).map((frame) => Buffer.from(frame)),
  };
}

export function encode(message: Message<unknown>, signer: Signer): Buffer[] {
  const signed = [message.header, message.parent_header, message.metadata, message.content].map((part) => Buffer.from(JSON.stringify(part), "utf8"));
  return [...message.identities, DELIMITER_BYTES, Buffer.from(signer.sign(signed), "ascii"), ...signed, ...message.buffers];
}
