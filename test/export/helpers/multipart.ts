// A small multipart/form-data parser for the test servers (independent of the SDK's encoder).
export interface Part {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string {
  const m = /^multipart\/form-data;\s*boundary=("?)([^";]+)\1\s*$/i.exec(contentType ?? '');
  if (!m) throw new Error(`not multipart/form-data with a boundary: ${contentType}`);
  return m[2];
}

export function parseMultipart(body: Buffer, contentType: string | undefined): Part[] {
  const boundary = boundaryOf(contentType);
  const delim = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delim);
  if (pos !== 0) throw new Error('body does not start with the boundary');
  for (;;) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // closing delimiter
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error('boundary not followed by CRLF');
    pos += 2;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new Error('part without header end');
    const headers = body.subarray(pos, headEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) throw new Error('part without closing boundary');
    const data = body.subarray(headEnd + 4, next);
    let name: string | undefined;
    let filename: string | undefined;
    let ctype: string | undefined;
    for (const h of headers) {
      const [k, ...rest] = h.split(':');
      const v = rest.join(':').trim();
      if (k.toLowerCase() === 'content-disposition') {
        if (!/^form-data\b/i.test(v)) throw new Error(`bad disposition ${v}`);
        name = /\bname="([^"]*)"/.exec(v)?.[1];
        filename = /\bfilename="([^"]*)"/.exec(v)?.[1];
      } else if (k.toLowerCase() === 'content-type') ctype = v;
    }
    if (name === undefined) throw new Error('part without a name');
    parts.push({ name, filename, contentType: ctype, data: Buffer.from(data) });
    pos = next + 2;
  }
  return parts;
}
