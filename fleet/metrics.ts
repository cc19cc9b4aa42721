/**
 * Counters and gauges of the fleet, rendered as Prometheus text exposition (format 0.0.4).
 */
type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

export class Metrics {
  readonly #families = new Map<string, Family>();
  readonly #collectors: (() => void)[] = [];

  define(name: string, type: Family['type'], help: string): void {
    if (!this.#families.has(name)) this.#families.set(name, { help, type, values: new Map() });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const entry = this.#entry(name, labels);
    entry.value += by;
  }

  set(name: string, labels: Labels, value: number): void {
    this.#entry(name, labels).value = value;
  }

  get(name: string, labels: Labels = {}): number {
    return this.#families.get(name)?.values.get(key(labels))?.value ?? 0;
  }

  /** Sum over every label set of a family. */
  total(name: string): number {
    let n = 0;
    for (const v of this.#families.get(name)?.values.values() ?? []) n += v.value;
    return n;
  }

  /** Gauges computed at scrape time (presence counts, outbox depths). */
  collect(collector: () => void): void {
    this.#collectors.push(collector);
  }

  reset(name: string): void {
    this.#families.get(name)?.values.clear();
  }

  render(): string {
    for (const c of this.#collectors) c();
    let out = '';
    for (const [name, f] of this.#families) {
      out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n`;
      for (const { labels, value } of f.values.values()) {
        const l = Object.entries(labels);
        const ls = l.length ? `{${l.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}` : '';
        out += `${name}${ls} ${value}\n`;
      }
    }
    return out;
  }

  #entry(name: string, labels: Labels) {
    const f = this.#families.get(name);
    if (!f) throw new Error(`metric ${name} not defined`);
    const k = key(labels);
    let e = f.values.get(k);
    if (!e) {
      e = { labels, value: 0 };
      f.values.set(k, e);
    }
    return e;
  }
}

function key(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
