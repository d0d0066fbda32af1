/**
 * The JSON values of a stream that sends one after another (events, load and pull progress):
 * dockerd separates them with newlines, but a value may arrive split across chunks.
 */
export async function* jsonValues<T>(chunks: AsyncIterable<Uint8Array | string>): AsyncIterable<T> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of chunks) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') yield JSON.parse(line) as T;
    }
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest !== '') yield JSON.parse(rest) as T;
}
