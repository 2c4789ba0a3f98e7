// multipart/form-data bodies (RFC 7578) built as one Uint8Array. Why not FormData + Blob: a body
// of known length with no stream behind it is sent the same way by every runtime's fetch and by
// node:http, it is built once and reused across retries, and undici's Blob streaming has had a
// per-upload ArrayBuffer leak on some Node releases. Runtime-neutral (TextEncoder, crypto).

export interface MultipartPart {
  /** Form field name. */
  name: string;
  /** File name; parts with one are file parts. */
  filename?: string;
  /** Part Content-Type (omitted when undefined). */
  contentType?: string;
  data: Uint8Array | string;
}

export interface MultipartBody {
  body: Uint8Array;
  /** The request's Content-Type, with the boundary. */
  contentType: string;
}

const enc = new TextEncoder();

function quote(v: string): string {
  // RFC 7578 §4.2: field names and file names are quoted strings; escape what would end them.
  return v.replace(/\\/g, '\\\\').replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function randomBoundary(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `----wasmprof${hex}`;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

export function encodeMultipart(parts: readonly MultipartPart[], boundary: string = randomBoundary()): MultipartBody {
  const datas = parts.map((p) => (typeof p.data === 'string' ? enc.encode(p.data) : p.data));
  // A random 128-bit boundary colliding with payload bytes is practically impossible; check anyway.
  const marker = enc.encode(`--${boundary}`);
  if (datas.some((d) => contains(d, marker))) return encodeMultipart(parts, randomBoundary());
  const chunks: Uint8Array[] = [];
  parts.forEach((p, i) => {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(p.name)}"`;
    if (p.filename !== undefined) head += `; filename="${quote(p.filename)}"`;
    head += '\r\n';
    if (p.contentType !== undefined) head += `Content-Type: ${p.contentType}\r\n`;
    head += '\r\n';
    chunks.push(enc.encode(head), datas[i], enc.encode('\r\n'));
  });
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  let length = 0;
  for (const c of chunks) length += c.byteLength;
  const body = new Uint8Array(length);
  let o = 0;
  for (const c of chunks) { body.set(c, o); o += c.byteLength; }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
