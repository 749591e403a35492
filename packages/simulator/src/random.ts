/**
 * A seeded PRNG (mulberry32) and the deterministic ids the simulated account hands out: the same
 * scenario and seed give byte-identical ids, events and fault decisions.
 */
export class Random {
  private state: number;

  constructor(seed: number | string) {
    this.state = hashSeed(String(seed));
  }

  /** An independent stream derived from this seed and a label (so one kind of draw never shifts another). */
  static derive(seed: number | string, label: string): Random {
    return new Random(`${String(seed)}/${label}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = "";
    while (out.length < length) out += (Math.floor(this.next() * 0x10000) | 0).toString(16).padStart(4, "0");
    return out.slice(0, length);
  }

  /** A UUID-shaped string (version 4 layout). */
  uuid(): string {
    const h = this.hex(32);
    const variant = "89ab"[this.int(4)] ?? "8";
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** Hands out the account's ids from one seeded stream. */
export class IdFactory {
  private readonly rng: Random;

  constructor(seed: number | string) {
    this.rng = Random.derive(seed, "ids");
  }

  instanceId(): string {
    return `i-${this.rng.hex(17)}`;
  }
  imageId(): string {
    return `ami-${this.rng.hex(17)}`;
  }
  launchTemplateId(): string {
    return `lt-${this.rng.hex(17)}`;
  }
  reservationId(): string {
    return `r-${this.rng.hex(17)}`;
  }
  snapshotId(): string {
    return `snap-${this.rng.hex(17)}`;
  }
  refreshId(): string {
    return this.rng.uuid();
  }
  commandId(): string {
    return this.rng.uuid();
  }
  eventId(): string {
    return this.rng.uuid();
  }
  requestId(): string {
    return this.rng.uuid();
  }
  uuid(): string {
    return this.rng.uuid();
  }
  hex(length: number): string {
    return this.rng.hex(length);
  }
}

function hashSeed(text: string): number {
  // xmur3-style string hash, so string and numeric seeds both spread over 32 bits.
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^ (h >>> 16)) >>> 0;
}
