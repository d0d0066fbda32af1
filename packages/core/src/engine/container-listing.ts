import { statusClock, type ContainerRecord, type StatusClock } from '../lifecycle/index.js';
import { containerSummary } from './container-views.js';

/**
 * A record's summary as UTF-8 JSON, kept with what it was made from. `Status` is the one field
 * that moves with the clock: only its bytes change with its text, head and tail stay. The record's
 * parts are replaced, not edited, when the container changes (a new state object at every
 * transition, a new endpoint at start), so comparing them by identity tells whether the row is
 * still the record's.
 */
interface KeptSummary {
  /** Bytes of the row (`{"Id":...,"Status":<status>,...}`) before the Status value, and after it. */
  head: Uint8Array;
  tail: Uint8Array;
  /** The Status value now (quotes included). */
  statusBytes: Uint8Array;
  /** The time the Status counts from (0 for a text that never changes), and whole seconds since it at the last look: the text is a function of them. */
  from: number;
  seconds: number;
  status: string;
  clock: StatusClock;
  name: string;
  image: string;
  state: ContainerRecord['state'];
  config: ContainerRecord['config'];
  networkDisabled: boolean | undefined;
  hostConfig: ContainerRecord['hostConfig'];
  networkMode: unknown;
  endpoint: ContainerRecord['endpoint'];
  ports: unknown;
  mounts: ContainerRecord['mounts'];
  path: string;
  args: string[];
}

const encoder = new TextEncoder();
const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]
const NEWLINE = 0x0a;

/**
 * `GET /containers/json` as the bytes dockerd sends (its JSON encoder ends with a newline): each
 * container's summary is serialized once and kept until its record changes, so listing 1,000
 * containers costs 1,000 `Status` strings and one body, not 1,000 summaries built and stringified.
 * A row whose Status text moved is not made again: the body is written from its kept head and tail
 * around the new text's bytes, which are shared by every row with the same text.
 */
export class ContainerListing {
  private readonly kept = new WeakMap<ContainerRecord, KeptSummary>();
  /** The last body made, from which rows and Status values: most of the time the next one is the same. */
  private last: { body: Uint8Array; kept: KeptSummary[]; statuses: Uint8Array[]; starts: number[] } | undefined;
  /** Status values as JSON bytes, by text ("Exited (0) 5 seconds ago" is many rows' at once). */
  private statusBytes = new Map<string, Uint8Array>();

  /** The JSON array of the records' summaries (no sizes), in the order given; `nowMs` for `Status`. */
  json(records: readonly ContainerRecord[], nowMs: number): Uint8Array {
    const kept = records.map((r) => this.keptOf(r, nowMs));
    const statuses = kept.map((k) => k.statusBytes);
    const last = this.last;
    const same = (i: number) => last !== undefined && i < last.kept.length && kept[i] === last.kept[i] && statuses[i] === last.statuses[i];
    if (last && last.kept.length === kept.length && kept.every((_, i) => same(i))) return last.body;
    const starts: number[] = [];
    let at = 1;
    for (const k of kept) {
      starts.push(at);
      at += k.head.byteLength + k.statusBytes.byteLength + k.tail.byteLength + 1;
    }
    const size = Math.max(at, 2) + 1;
    const body = new Uint8Array(size);
    body[0] = OPEN;
    for (let i = 1; i < kept.length; i++) body[starts[i]! - 1] = COMMA;
    // Runs of rows that are the last body's too (same row, same Status) are copied as one piece,
    // commas included: one set() per run instead of three per row, most of the cost of 1,000.
    for (let i = 0; i < kept.length; ) {
      let j = i;
      while (j < kept.length && same(j)) j++;
      if (j > i) {
        const end = j < last!.starts.length ? last!.starts[j]! - 1 : last!.body.byteLength - 2;
        body.set(last!.body.subarray(last!.starts[i], end), starts[i]);
        i = j;
        continue;
      }
      const k = kept[i]!;
      let to = starts[i]!;
      body.set(k.head, to);
      to += k.head.byteLength;
      body.set(k.statusBytes, to);
      to += k.statusBytes.byteLength;
      body.set(k.tail, to);
      i++;
    }
    body[size - 2] = CLOSE;
    body[size - 1] = NEWLINE;
    this.last = { body, kept, statuses, starts };
    // Texts of the past are not asked for again: the cache holds what the last bodies used.
    if (this.statusBytes.size > 4 * 1024) this.statusBytes = new Map();
    return body;
  }

  private keptOf(r: ContainerRecord, nowMs: number): KeptSummary {
    let k = this.kept.get(r);
    if (!k || !isCurrent(k, r)) {
      k = keep(r, nowMs);
      this.kept.set(r, k);
      return k;
    }
    const seconds = Math.floor((nowMs - k.from) / 1000);
    if (seconds !== k.seconds) {
      k.seconds = seconds;
      const status = k.clock(nowMs);
      if (status !== k.status) {
        let bytes = this.statusBytes.get(status);
        if (!bytes) {
          bytes = encoder.encode(JSON.stringify(status));
          this.statusBytes.set(status, bytes);
        }
        k.statusBytes = bytes;
        k.status = status;
      }
    }
    return k;
  }
}

function isCurrent(k: KeptSummary, r: ContainerRecord): boolean {
  return (
    k.state === r.state && k.name === r.name && k.image === r.image && k.config === r.config && k.networkDisabled === r.config.NetworkDisabled &&
    k.hostConfig === r.hostConfig && k.networkMode === r.hostConfig.NetworkMode && k.endpoint === r.endpoint && k.ports === r.endpoint?.ports &&
    k.mounts === r.mounts && k.path === r.path && k.args === r.args
  );
}

function keep(r: ContainerRecord, nowMs: number): KeptSummary {
  // The fields on either side of Status serialized by JSON.stringify itself, in the summary's order.
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  let side = before;
  let status = '';
  const clock = statusClock(r.state);
  for (const [key, value] of Object.entries(containerSummary(r, nowMs))) {
    if (key === 'Status') {
      side = after;
      status = value as string;
    } else side[key] = value;
  }
  const rest = JSON.stringify(after);
  const head = encoder.encode(`${JSON.stringify(before).slice(0, -1)},"Status":`);
  const value = encoder.encode(JSON.stringify(status));
  const tail = encoder.encode(rest === '{}' ? '}' : `,${rest.slice(1)}`);
  const row = new Uint8Array(head.byteLength + value.byteLength + tail.byteLength);
  row.set(head);
  row.set(value, head.byteLength);
  row.set(tail, head.byteLength + value.byteLength);
  return {
    head: row.subarray(0, head.byteLength),
    tail: row.subarray(head.byteLength + value.byteLength),
    statusBytes: row.subarray(head.byteLength, head.byteLength + value.byteLength),
    from: clock.from ?? 0,
    seconds: Math.floor((nowMs - (clock.from ?? 0)) / 1000),
    status,
    clock,
    name: r.name,
    image: r.image,
    state: r.state,
    config: r.config,
    networkDisabled: r.config.NetworkDisabled,
    hostConfig: r.hostConfig,
    networkMode: r.hostConfig.NetworkMode,
    endpoint: r.endpoint,
    ports: r.endpoint?.ports,
    mounts: r.mounts,
    path: r.path,
    args: r.args,
  };
}
