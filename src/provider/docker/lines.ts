import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines. A chunk may end mid-line or even mid-character, and may hold
 * several lines; Docker's event stream is one JSON object per line, cut wherever TCP pleases.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #maxLineBytes: number;
  #partial = '';
  #dropping = false;

  /** `maxLineBytes` bounds memory if the peer never sends a newline; an overlong line is dropped whole. */
  constructor(maxLineBytes = 1024 * 1024) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feeds a chunk; returns the lines it completed (without their \n or \r\n, empty lines skipped). */
  push(chunk: Buffer | string): string[] {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) {
      if (this.#dropping) {
        // The tail of an overlong line: skip it, resume with the next one.
        this.#dropping = false;
        continue;
      }
      const line = part.endsWith('\r') ? part.slice(0, -1) : part;
      if (line !== '') lines.push(line);
    }
    if (this.#partial.length > this.#maxLineBytes) {
      this.#partial = '';
      this.#dropping = true;
    }
    return lines;
  }

  /** The unterminated rest, at the end of the stream (undefined when there is none). */
  flush(): string | undefined {
    const rest = (this.#dropping ? '' : this.#partial + this.#decoder.end()).replace(/\r$/, '');
    this.#partial = '';
    this.#dropping = false;
    return rest === '' ? undefined : rest;
  }
}
