import { Writable } from 'node:stream';

/** A writable that keeps what is written (a CLI's stdout or stderr); `onText` sees it as it grows. */
export function capture(onText?: (text: string) => void): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      onText?.(chunks.join(''));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}
