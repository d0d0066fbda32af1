import { statusClock, type ContainerRecord } from '../lifecycle/index.js';
import { containerSummary } from './container-views.js';

/**
 * A record's summary as UTF-8 JSON, kept with what it was made from. `Status` is the one field
 * that moves with the clock: the row is rebuilt around it only when its text changes. The record's
 * parts are replaced, not edited, when the container changes (a new state object at every
 * transition, a new endpoint at start), so comparing them by identity tells whether the row is
 * still the record's.
 */
interface KeptSummary {
  /** `{"Id":...,"Status":"<status>",...}` */
  row: Uint8Array;
  /** Bytes of the row before the Status value, and of the Status value (quotes included). */
  headLength: number;
  statusLength: number;
  status: string;
  clock: (nowMs: number) => string;
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
 * containers costs 1,000 `Status` strings and one copy, not 1,000 summaries built and stringified.
 */
export class ContainerListing {
  private readonly kept = new WeakMap<ContainerRecord, KeptSummary>();
  /** The last body made, and the rows it holds where: most rows of the next one are the same. */
  private last: { body: Uint8Array; rows: Uint8Array[]; starts: number[] } | undefined;

  /** The JSON array of the records' summaries (no sizes), in the order given; `nowMs` for `Status`. */
  json(records: readonly ContainerRecord[], nowMs: number): Uint8Array {
    const rows = records.map((r) => this.rowOf(r, nowMs));
    const starts: number[] = [];
    let at = 1;
    for (const row of rows) {
      starts.push(at);
      at += row.byteLength + 1;
    }
    const size = Math.max(at, 2) + 1;
    const last = this.last;
    if (last && last.body.byteLength === size && last.rows.length === rows.length && rows.every((row, i) => row === last.rows[i])) return last.body;
    const body = new Uint8Array(size);
    body[0] = OPEN;
    for (let i = 1; i < rows.length; i++) body[starts[i]! - 1] = COMMA;
    // Runs of rows that sit side by side in the last body too are copied as one piece (commas
    // included): one set() per run instead of one per row, which is most of the cost of 1,000.
    for (let i = 0; i < rows.length; ) {
      let j = i;
      if (last) while (j < rows.length && j < last.rows.length && rows[j] === last.rows[j]) j++;
      if (j > i) {
        body.set(last!.body.subarray(last!.starts[i], last!.starts[j - 1]! + rows[j - 1]!.byteLength), starts[i]);
        i = j;
      } else {
        body.set(rows[i]!, starts[i]);
        i++;
      }
    }
    body[size - 2] = CLOSE;
    body[size - 1] = NEWLINE;
    this.last = { body, rows, starts };
    return body;
  }

  private rowOf(r: ContainerRecord, nowMs: number): Uint8Array {
    let k = this.kept.get(r);
    if (!k || !isCurrent(k, r)) {
      k = keep(r, nowMs);
      this.kept.set(r, k);
      return k.row;
    }
    const status = k.clock(nowMs);
    if (status !== k.status) {
      const value = encoder.encode(JSON.stringify(status));
      const row = new Uint8Array(k.row.byteLength - k.statusLength + value.byteLength);
      row.set(k.row.subarray(0, k.headLength));
      row.set(value, k.headLength);
      row.set(k.row.subarray(k.headLength + k.statusLength), k.headLength + value.byteLength);
      k.row = row;
      k.statusLength = value.byteLength;
      k.status = status;
    }
    return k.row;
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
    row,
    headLength: head.byteLength,
    statusLength: value.byteLength,
    status,
    clock: statusClock(r.state),
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
