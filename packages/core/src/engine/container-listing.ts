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
  /** The time the Status counts from (undefined for a text that never changes), and the first time its text may differ from `status`. */
  from: number | undefined;
  lookAt: number;
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
  /** The last body made, from which records, rows and Status values: most of the time the next one is the same. */
  private last: { records: readonly ContainerRecord[]; body: Uint8Array; kept: KeptSummary[]; statuses: Uint8Array[]; starts: number[] } | undefined;
  /** Status values as JSON bytes, by text ("Exited (0) 5 seconds ago" is many rows' at once). */
  private statusBytes = new Map<string, Uint8Array>();
  /** The time of the last listing: a clock set back makes every row read its clock again. */
  private lastNow = -Infinity;

  /** The JSON array of the records' summaries (no sizes), in the order given; `nowMs` for `Status`. */
  json(records: readonly ContainerRecord[], nowMs: number): Uint8Array {
    const last = this.last;
    const n = records.length;
    const rewound = nowMs < this.lastNow;
    this.lastNow = nowMs;
    // The same records as last time (the store's kept order): each row's kept summary is at its index.
    const aligned = last !== undefined && last.records === records;
    const kept = new Array<KeptSummary>(n);
    const statuses = new Array<Uint8Array>(n);
    /** Row i is the last body's row i, with the same Status. */
    const same = (i: number) => last !== undefined && i < last.kept.length && kept[i] === last.kept[i] && statuses[i] === last.statuses[i];
    let unchanged = last !== undefined && last.kept.length === n;
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const before = aligned ? last.kept[i]! : undefined;
      const k = before !== undefined && isCurrent(before, r) ? this.look(before, nowMs, rewound) : this.keptOf(r, nowMs, rewound);
      kept[i] = k;
      statuses[i] = k.statusBytes;
      if (unchanged && !same(i)) unchanged = false;
    }
    if (unchanged) return last!.body;
    const starts = new Array<number>(n);
    let at = 1;
    for (let i = 0; i < n; i++) {
      const k = kept[i]!;
      starts[i] = at;
      at += k.head.byteLength + k.statusBytes.byteLength + k.tail.byteLength + 1;
    }
    const size = Math.max(at, 2) + 1;
    const body = new Uint8Array(size);
    body[0] = OPEN;
    for (let i = 1; i < n; i++) body[starts[i]! - 1] = COMMA;
    // Runs of rows that are the last body's too (same row, same Status) are copied as one piece,
    // commas included: one set() per run instead of three per row, most of the cost of 1,000.
    for (let i = 0; i < n; ) {
      let j = i;
      while (j < n && same(j)) j++;
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
    this.last = { records, body, kept, statuses, starts };
    // Texts of the past are not asked for again: the cache holds what the last bodies used.
    if (this.statusBytes.size > 4 * 1024) this.statusBytes = new Map();
    return body;
  }

  private keptOf(r: ContainerRecord, nowMs: number, rewound: boolean): KeptSummary {
    const k = this.kept.get(r);
    if (k && isCurrent(k, r)) return this.look(k, nowMs, rewound);
    const made = keep(r, nowMs);
    this.kept.set(r, made);
    return made;
  }

  /** The kept row with its Status text as of `nowMs` (its clock is read only when the text may have moved). */
  private look(k: KeptSummary, nowMs: number, rewound: boolean): KeptSummary {
    if (nowMs < k.lookAt && !rewound) return k;
    k.lookAt = nextLook(k.from, nowMs);
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
    return k;
  }
}

/**
 * The first time after `nowMs` at which a Status counting from `from` may read differently.
 * humanDuration steps on whole seconds in the first minute and on whole minutes after it (its
 * hours are rounded at half hours, its days, weeks, months and years follow the hours), so a row
 * of 1,000 looks at its clock once a minute, not at every listing.
 */
export function nextLook(from: number | undefined, nowMs: number): number {
  if (from === undefined) return Infinity;
  const elapsed = nowMs - from;
  // (before `from`, a clock from another host, the text is "Less than a second" until a second after it)
  if (elapsed < 60_000) return from + Math.max(Math.floor(elapsed / 1000) + 1, 1) * 1000;
  return from + (Math.floor(elapsed / 60_000) + 1) * 60_000;
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
    from: clock.from,
    lookAt: nextLook(clock.from, nowMs),
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
